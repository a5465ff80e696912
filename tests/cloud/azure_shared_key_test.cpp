// SharedKey signing: the string to sign is checked field by field against the
// layout of the Azure Storage documentation, and the signature against a value
// computed independently (Python's hmac over the same string and Azurite's
// well-known key). The Azurite tests check the same signing end to end.
#include "cloud/azure_shared_key.h"

#include <gtest/gtest.h>

#include "common/codec.h"

namespace di::cloud {
namespace {

constexpr const char* kAzuriteKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

SignedRequest PutWatermark() {
  SignedRequest r;
  r.method = "PUT";
  r.path = "/devstoreaccount1/watermarks/nivoda.json";
  r.headers = {{"Content-Type", "application/json"},
               {"x-ms-version", "2021-12-02"},
               {"X-MS-Blob-Type", "BlockBlob"},
               {"If-None-Match", "*"},
               {"x-ms-date", "Sun, 06 Nov 1994 08:49:37 GMT"},
               {"Content-Length", "12"}};
  return r;
}

TEST(AzureSharedKey, StringToSignLaysOutStandardHeadersThenMsHeadersThenPathStyleResource) {
  EXPECT_EQ(SharedKeyStringToSign("devstoreaccount1", PutWatermark()),
            "PUT\n"
            "\n"                  // Content-Encoding
            "\n"                  // Content-Language
            "12\n"                // Content-Length
            "\n"                  // Content-MD5
            "application/json\n"  // Content-Type
            "\n"                  // Date (x-ms-date is used)
            "\n"                  // If-Modified-Since
            "\n"                  // If-Match
            "*\n"                 // If-None-Match
            "\n"                  // If-Unmodified-Since
            "\n"                  // Range
            "x-ms-blob-type:BlockBlob\n"
            "x-ms-date:Sun, 06 Nov 1994 08:49:37 GMT\n"
            "x-ms-version:2021-12-02\n"
            "/devstoreaccount1/devstoreaccount1/watermarks/nivoda.json");
}

TEST(AzureSharedKey, ZeroContentLengthIsBlankAndQueryIsSortedLowerCase) {
  SignedRequest r;
  r.method = "PUT";
  r.path = "/c";
  r.query = {{"restype", "container"}, {"Comp", "b"}, {"comp", "a"}};
  r.headers = {{"Content-Length", "0"}, {"x-ms-meta-x", "  two   words  "}};
  EXPECT_EQ(SharedKeyStringToSign("acct", r),
            "PUT\n\n\n\n\n\n\n\n\n\n\n\n"
            "x-ms-meta-x:two words\n"
            "/acct/c\ncomp:a,b\nrestype:container");
}

TEST(AzureSharedKey, AuthorizationIsBase64HmacOfTheStringToSign) {
  Result<std::string> key = Base64Decode(kAzuriteKey);
  ASSERT_TRUE(key.ok());
  // Computed with Python: base64(hmac.new(key, string_to_sign, sha256).digest()).
  EXPECT_EQ(SharedKeyAuthorization("devstoreaccount1", *key, PutWatermark()),
            "SharedKey devstoreaccount1:U7f7pHX1Z5xLn5Y9cBkV4249/pnXotv8iAOTGDsBcAk=");
}

TEST(AzureSharedKey, HttpDateIsRfc1123InGmt) {
  EXPECT_EQ(HttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(HttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace di::cloud
