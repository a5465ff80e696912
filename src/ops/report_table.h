// TextTable: a plain-text table with aligned columns, for the operator views
// (`diamond-ingest status`). Cells are UTF-8 text; width counts code points
// (so "—" or "∞" align too) and ignores ANSI colour sequences. A value class:
// not synchronised.
#pragma once

#include <string>
#include <vector>

namespace di {

class TextTable {
 public:
  struct Column {
    std::string title;
    bool right = false;  // right-align (numbers)
  };
  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // REQUIRES: CELLS has one entry per column (missing ones print empty, extra ones are ignored).
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  // Title row, a rule, then the rows; columns separated by two spaces, every
  // line indented by INDENT spaces and ending with '\n'. No trailing blanks.
  std::string Render(int indent = 2) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 TEXT in code points, ANSI SGR sequences excluded.
size_t DisplayWidth(const std::string& text);

}  // namespace di
