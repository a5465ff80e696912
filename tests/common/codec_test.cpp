// Base64 (encode, strict decode) and HMAC-SHA256 against published vectors.
#include "common/codec.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace di {
namespace {

std::string Hex(const std::string& bytes) {
  std::string hex;
  for (unsigned char c : bytes) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    hex += b;
  }
  return hex;
}

TEST(CodecTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 4648 section 10 vectors, both ways.
TEST(CodecTest, Base64Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded) << plain;
    Result<std::string> back = Base64Decode(encoded);
    ASSERT_TRUE(back.ok()) << encoded << ": " << back.status().ToString();
    EXPECT_EQ(*back, plain);
  }
  EXPECT_EQ(Base64Decode("aGVsbG8=").value(), "hello");
  EXPECT_EQ(Base64Decode("aGk=").value(), "hi");
  EXPECT_EQ(Base64Decode("YWJj").value(), "abc");
}

TEST(CodecTest, Base64RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (size_t n = 0; n <= all.size(); n += 17) {
    const std::string data = all.substr(0, n);
    EXPECT_EQ(Base64Decode(Base64Encode(data)).value(), data) << n;
  }
}

TEST(CodecTest, Base64DecodeIsStrict) {
  for (const char* bad : {"abc",                                      // length
                          "ab$=", "not base64!", "YWJj\n", " YWJj",   // alphabet, whitespace
                          "a=bc", "ab=c", "====", "A===", "=AAA"}) {  // padding
    Result<std::string> r = Base64Decode(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(CodecTest, PercentEncodeKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(PercentEncode(""), "");
  EXPECT_EQ(PercentEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(PercentEncode("/var/lib/x y"), "%2Fvar%2Flib%2Fx%20y");
  EXPECT_EQ(PercentEncode("a+b=c&\xff"), "a%2Bb%3Dc%26%FF");
}

}  // namespace
}  // namespace di
