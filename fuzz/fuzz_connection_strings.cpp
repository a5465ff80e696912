// libFuzzer entry point for the connection_strings target; the body is FuzzConnectionStrings (fuzz/targets.h).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return di::fuzz::FuzzConnectionStrings(data, size);
}
