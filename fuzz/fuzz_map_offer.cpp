// libFuzzer entry point for the map_offer target; the body is FuzzMapOffer (fuzz/targets.h).
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return di::fuzz::FuzzMapOffer(data, size); }
