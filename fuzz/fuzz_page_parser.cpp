// libFuzzer entry point for the page_parser target; the body is FuzzPageParser (fuzz/targets.h).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return di::fuzz::FuzzPageParser(data, size); }
