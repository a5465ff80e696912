#include "nivoda/queries.h"

namespace di::nivoda {

#define DI_ITEM_SELECTION                                                                      \
  "id price diamond_price markup_price discount markup_discount updated_at "                 \
  "diamond { id availability HoldId NivodaStockId supplierStockId image video eyeClean "     \
  "brown green blue gray milky bowtie mine_of_origin supplier_video_link approval_type "      \
  "final_price return_window CertificateType "                                                \
  "delivery_time { express_timeline_applicable min_business_days max_business_days } "        \
  "supplier { id name legal_name } "                                                          \
  "certificate { id lab certNumber pdfUrl shape fullShape carats clarity cut polish "        \
  "symmetry color length width depth depthPercentage table crownAngle crownHeight "           \
  "pavAngle pavHeight pavDepth floInt floCol verified labgrown labgrown_type treated "         \
  "girdle culetSize girdleCondition culet_condition cut_style keyToSymbols comments "          \
  "f_color f_intensity f_overtone } }"

const std::string_view kItemSelection = DI_ITEM_SELECTION;

const std::string_view kAuthenticateQuery =
    "query Authenticate($username: String!, $password: String!) { authenticate { "
    "username_and_password(username: $username, password: $password) { token } } }";

const std::string_view kCountQuery =
    "query Count($token: String!, $query: DiamondQuery!) { as(token: $token) { "
    "diamonds_by_query_count(query: $query) } }";

const std::string_view kPageQuery =
    "query Page($token: String!, $query: DiamondQuery!, $offset: Int, $limit: Int, "
    "$order: DiamondOrder) { as(token: $token) { diamonds_by_query(query: $query, "
    "offset: $offset, limit: $limit, order: $order) { total_count items { " DI_ITEM_SELECTION
    " } } } }";

std::vector<std::string_view> AllQueries() { return {kAuthenticateQuery, kCountQuery, kPageQuery}; }

}  // namespace di::nivoda
