// Test helpers for the Azurite fixture (tests/support/azurite.cmake): its
// endpoint and account, unique container names, and raw blob writes that
// bypass BlobWatermarkStore (to plant malformed or competing content).
#pragma once

#include <string>

#include "cloud/blob_watermark_store.h"

namespace di::testing {

inline constexpr const char* kAzuriteAccount = "devstoreaccount1";
inline constexpr const char* kAzuriteKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

// The running Azurite's account; an empty endpoint when the fixture is absent.
cloud::BlobAccount AzuriteAccount();
// A fresh container name ("wm-" + random), valid for Azure (3-63, lower case).
std::string UniqueContainer();
// PUTs BODY as CONTAINER/BLOB (container created first); returns the HTTP status.
int PutRawBlob(const std::string& container, const std::string& blob, const std::string& body);
// GETs CONTAINER/BLOB; returns the HTTP status and sets *BODY.
int GetRawBlob(const std::string& container, const std::string& blob, std::string* body);

}  // namespace di::testing
