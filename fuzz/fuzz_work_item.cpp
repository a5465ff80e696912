// libFuzzer entry point for the work_item target; the body is FuzzWorkItemDecoder (fuzz/targets.h).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return di::fuzz::FuzzWorkItemDecoder(data, size);
}
