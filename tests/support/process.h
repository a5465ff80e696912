// Runs a program with an exact environment and working directory and
// captures its exit status, stdout and stderr. For process-level tests of
// diamond-ingest: nothing is inherited from the test's own environment.
//
// Thread-safety: RunProcess forks; call it from one thread at a time.
#pragma once

#include <string>
#include <vector>

namespace di::test {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or not started
  std::string out;
  std::string err;
};

// Runs ARGV[0] (a path) with ARGV, exactly the variables ENV ("NAME=value")
// and working directory CWD; waits for it to exit.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& cwd);

// A fresh empty directory under /tmp, removed (with its files) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes TEXT to the file NAME inside the directory; returns its path.
  std::string Write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

}  // namespace di::test
