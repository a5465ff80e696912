# The account-wide limiter needs PostgreSQL; kept apart so di_nivoda does not.
add_library(di_nivoda_account STATIC ${CMAKE_CURRENT_LIST_DIR}/account_rate_limiter.cpp)
target_link_libraries(di_nivoda_account PUBLIC di_options di_store)
