// Replays fuzz/corpus/<target>/* and fuzz/regressions/<target>/* through the
// fuzz targets (fuzz/targets.h): no input may crash or break an invariant.
// A broken invariant is recorded (not aborted) through SetInvariantHandler.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "invariant.h"
#include "targets.h"

namespace di::fuzz {
namespace {

namespace fs = std::filesystem;
using TargetFn = int (*)(const uint8_t*, size_t);

std::vector<std::string>& Broken() {
  static std::vector<std::string> broken;
  return broken;
}

void Record(const char* target, const std::string& what) { Broken().push_back(std::string(target) + ": " + what); }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<fs::path> FilesOf(const std::string& kind, const std::string& target) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(DI_FUZZ_DIR) / kind / target;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') files.push_back(entry.path());
  }
  return files;
}

// Feeds every file of fuzz/corpus/TARGET and fuzz/regressions/TARGET to FN.
// Returns the number of files fed.
size_t Replay(const std::string& target, TargetFn fn) {
  SetInvariantHandler(&Record);
  size_t fed = 0;
  for (const std::string kind : {"corpus", "regressions"}) {
    for (const fs::path& file : FilesOf(kind, target)) {
      Broken().clear();
      const std::string data = ReadFile(file);
      fn(reinterpret_cast<const uint8_t*>(data.data()), data.size());
      for (const std::string& what : Broken()) ADD_FAILURE() << file << ": " << what;
      ++fed;
    }
  }
  SetInvariantHandler(nullptr);
  return fed;
}

TEST(FuzzRegression, PageParser) {
  EXPECT_GE(Replay("page_parser", &FuzzPageParser), 10u) << "the seed corpus is missing";
}

TEST(FuzzRegression, WorkItemDecoder) {
  EXPECT_GE(Replay("work_item", &FuzzWorkItemDecoder), 5u) << "the seed corpus is missing";
}

TEST(FuzzRegression, ConnectionStrings) {
  EXPECT_GE(Replay("connection_strings", &FuzzConnectionStrings), 10u) << "the seed corpus is missing";
}

TEST(FuzzRegression, MapOffer) { EXPECT_GE(Replay("map_offer", &FuzzMapOffer), 50u) << "the seed corpus is missing"; }

// The handler really receives what a target breaks: a target that reports
// nothing would make the replays above pass vacuously.
TEST(FuzzRegression, BrokenInvariantsAreReported) {
  SetInvariantHandler(&Record);
  Broken().clear();
  Violated("probe", "what");
  SetInvariantHandler(nullptr);
  ASSERT_EQ(Broken().size(), 1u);
  EXPECT_EQ(Broken()[0], "probe: what");
}

}  // namespace
}  // namespace di::fuzz
