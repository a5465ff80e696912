// The bugs the fuzzers found, as plain unit tests of the fixed functions (the
// crashing inputs themselves are replayed from fuzz/regressions), and a check
// that the seed corpora reach the parsers' success paths, where the targets'
// invariants are checked.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "common/clock.h"
#include "config/connection_strings.h"
#include "consolidate/mapping.h"
#include "consolidate/value_rules.h"
#include "nivoda/response_parser.h"
#include "queue/messages.h"

namespace di {
namespace {

std::string FuzzFile(const std::string& relative) {
  std::ifstream in(std::filesystem::path(DI_FUZZ_DIR) / relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// fuzz/regressions/connection_strings/negative_port.txt: "a:-090" was
// accepted with port -90 (std::from_chars takes a sign).
TEST(FuzzFixes, NegativePortsAreRejected) {
  EXPECT_FALSE(ParseHostPort("a:-090").ok());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:-1").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:-80/x").ok());
  EXPECT_FALSE(
      ParseServiceBusConnectionString("Endpoint=sb://ns:-5671/;SharedAccessKeyName=n;SharedAccessKey=c2VjcmV0").ok());
  auto ok = ParseHostPort("a:90");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->port, 90);
  EXPECT_TRUE(ParseHostPort("a:0").ok()) << "port 0 (any free port) stays valid";
}

// fuzz/regressions/{work_item,map_offer}/*year*: a year far from 1970 made
// ParseIso8601 overflow WallTime's nanoseconds (signed overflow, UB).
TEST(FuzzFixes, Iso8601YearsOutsideWallTimeAreRejected) {
  WallTime t;
  EXPECT_FALSE(ParseIso8601("1013-02-11T01:45:00.000Z", &t));
  EXPECT_FALSE(ParseIso8601("2300-01-01T00:00:00Z", &t));
  EXPECT_FALSE(ParseIso8601("0000-01-01T00:00:00Z", &t));
  ASSERT_TRUE(ParseIso8601("1970-01-01T00:00:00Z", &t));
  EXPECT_EQ(FormatIso8601(t), "1970-01-01T00:00:00.000Z");
  ASSERT_TRUE(ParseIso8601("2200-12-31T23:59:59.999Z", &t));
  EXPECT_EQ(FormatIso8601(t), "2200-12-31T23:59:59.999Z");
}

// sscanf stopped at a space and ignored the rest, took "-1" for an hour, and
// the text was cut at 60 characters before parsing.
TEST(FuzzFixes, Iso8601IsTheWholeText) {
  WallTime t;
  EXPECT_FALSE(ParseIso8601("2026-02-12T02:00:00Z trailing", &t));
  EXPECT_FALSE(ParseIso8601("2026-02-12T02:00:00 Z", &t));
  EXPECT_FALSE(ParseIso8601("2026-02-12T-1:00:00Z", &t));
  EXPECT_FALSE(ParseIso8601("2026-02-12T02:00:00." + std::string(60, '0') + "Zx", &t));
  ASSERT_TRUE(ParseIso8601("2026-02-12T19:01:13.5+00:00", &t));
  EXPECT_EQ(FormatIso8601(t), "2026-02-12T19:01:13.500Z");
}

TEST(FuzzFixes, WorkItemWithAYearOutOfRangeIsRejected) {
  auto item = queue::DecodeWorkItem(FuzzFile("regressions/work_item/year_1013_overflows_nanoseconds.json"));
  ASSERT_FALSE(item.ok());
  EXPECT_NE(item.status().message().find("updatedFrom is not an ISO-8601 time"), std::string::npos)
      << item.status().message();
}

TEST(FuzzFixes, OfferWithAYearOutOfRangeMapsWithoutATimestamp) {
  const std::string data = FuzzFile("regressions/map_offer/updated_at_year_overflows_nanoseconds.json");
  const std::string payload = data.substr(1);  // first byte: the feed
  auto row = consolidate::MapOffer({"natural", "run", payload, "hash"});
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_FALSE(row->source_updated_at.has_value());
  EXPECT_EQ(row->price_cents, 419950);
}

// fuzz/regressions/connection_strings/account_name_control_characters.txt:
// an AccountName with control characters made a blob endpoint that is not a URL.
TEST(FuzzFixes, StorageAccountNameAndSuffixMakeAUrl) {
  const std::string key = ";AccountKey=c2VjcmV0LWtleQ==";
  EXPECT_FALSE(ParseStorageConnectionString(std::string("AccountName=a\x17"
                                                        "b") +
                                            key)
                   .ok());
  EXPECT_FALSE(ParseStorageConnectionString("AccountName=a b" + key).ok());
  EXPECT_FALSE(ParseStorageConnectionString("AccountName=a/b" + key).ok());
  EXPECT_FALSE(ParseStorageConnectionString("AccountName=a" + key + ";EndpointSuffix=x@y").ok());
  EXPECT_FALSE(ParseStorageConnectionString("AccountName=a" + key + ";EndpointSuffix=x:port").ok());
  auto ok = ParseStorageConnectionString("AccountName=acct1" + key + ";EndpointSuffix=core.windows.net");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->blob_endpoint, "https://acct1.blob.core.windows.net");
}

// fuzz/regressions/connection_strings/bracket_in_brackets.txt: "Http://[[]"
// was accepted with host "[", which no URL can carry back.
TEST(FuzzFixes, BracketedHostIsAnIpv6Address) {
  EXPECT_FALSE(ParseHttpUrl("Http://[[]").ok());
  EXPECT_FALSE(ParseHttpUrl("http://[ab]/").ok());
  EXPECT_FALSE(ParseHostPort("[x y]:80").ok());
  auto v6 = ParseHttpUrl("http://[2001:DB8::1]:8443/x");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "2001:DB8::1");
  EXPECT_TRUE(ParseHostPort("[::ffff:127.0.0.1]:0").ok());
}

// fuzz/regressions/map_offer/carats_tiny_price_per_carat_overflow.json:
// price / carats beyond a bigint gave price_per_carat_cents = INT64_MIN.
TEST(FuzzFixes, PricePerCaratOutOfRangeIsRejected) {
  auto row = consolidate::MapOffer(
      {"natural", "run", R"({"price":419950,"diamond":{"id":"s","certificate":{"carats":1e-300,"shape":"ROUND"}}})",
       "hash"});
  ASSERT_FALSE(row.ok());
  EXPECT_NE(row.status().message().find("price per carat out of range"), std::string::npos);
  auto small = consolidate::MapOffer(
      {"natural", "run", R"({"price":419950,"diamond":{"id":"s","certificate":{"carats":0.001,"shape":"ROUND"}}})",
       "hash"});
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->price_per_carat_cents, 419950000);
}

// fuzz/regressions/map_offer/ratio_infinite.json: 1e300 / 1e-300 gave ratio = inf.
TEST(FuzzFixes, InfiniteRatioIsNull) {
  EXPECT_FALSE(consolidate::Ratio(1e300, 1e-300).has_value());
  EXPECT_DOUBLE_EQ(*consolidate::Ratio(6.65, 6.46), 1.029);
  auto row = consolidate::MapOffer({"natural", "run",
                                    R"({"price":1,"diamond":{"id":"s","certificate":{"carats":1,"shape":"ROUND",)"
                                    R"("length":1e300,"width":1e-300}}})",
                                    "hash"});
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_FALSE(row->ratio.has_value());
  EXPECT_EQ(row->length_mm, 1e300);
}

// The seeds reach the success paths, where the targets check their invariants.
TEST(FuzzFixes, SeedsReachTheSuccessPaths) {
  auto page = nivoda::ParsePageResponse(FuzzFile("corpus/page_parser/sim_page_labgrown_3.json"));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->offers.size(), 3u);
  EXPECT_TRUE(queue::DecodeWorkItem(FuzzFile("corpus/work_item/incremental.json")).ok());
  EXPECT_TRUE(queue::DecodeWorkItem(FuzzFile("corpus/work_item/sweep.json")).ok());
  EXPECT_TRUE(ParseServiceBusConnectionString(FuzzFile("corpus/connection_strings/servicebus.txt")).ok());
  EXPECT_TRUE(ParseStorageConnectionString(FuzzFile("corpus/connection_strings/storage_azure.txt")).ok());
  const std::string item = FuzzFile("corpus/map_offer/natural_sim_item.json");
  EXPECT_TRUE(consolidate::MapOffer({"natural", "run", std::string_view(item).substr(1), "hash"}).ok());
}

}  // namespace
}  // namespace di
