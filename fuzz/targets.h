// The fuzz targets' bodies, as plain functions over a byte buffer, shared by
// the libFuzzer executables (fuzz/fuzz_*.cpp, clang, DI_FUZZ=ON) and the
// regression test (tests/fuzz, every build) that replays fuzz/corpus and
// fuzz/regressions.
//
// Each function feeds DATA to one parser of src/ and checks the invariants its
// contract promises (not only "does not crash"); a broken invariant is reported
// through di::fuzz::Violated (fuzz/invariant.h). All return 0, as libFuzzer
// wants. Thread-compatible: the parsers keep per-thread state only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace di::fuzz {

// ParsePageResponse (and the count, token and errors parsers) on a response body.
int FuzzPageParser(const uint8_t* data, size_t size);

// DecodeWorkItem and DecodeConsolidate on a queue message body.
int FuzzWorkItemDecoder(const uint8_t* data, size_t size);

// The connection-string parsers of src/config/connection_strings.h (Storage,
// Service Bus, DATABASE_URL, http(s) URL, host:port, base64) on one text.
int FuzzConnectionStrings(const uint8_t* data, size_t size);

// MapOffer on one raw item. The first byte chooses the feed (bit 0:
// labgrown), the rest is the payload.
int FuzzMapOffer(const uint8_t* data, size_t size);

}  // namespace di::fuzz
