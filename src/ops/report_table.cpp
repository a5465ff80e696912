#include "ops/report_table.h"

#include <algorithm>

namespace di {

size_t DisplayWidth(const std::string& text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\033' && i + 1 < text.size() && text[i + 1] == '[') {  // ANSI SGR: no width
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++n;  // count lead bytes only
  }
  return n;
}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render(int indent) const {
  std::vector<size_t> widths(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    widths[c] = DisplayWidth(columns_[c].title);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out(static_cast<size_t>(std::max(indent, 0)), ' ');
    for (size_t c = 0; c < columns_.size(); ++c) {
      const size_t pad = widths[c] - DisplayWidth(cells[c]);
      if (c > 0) out += "  ";
      if (columns_[c].right) out.append(pad, ' ');
      out += cells[c];
      if (!columns_[c].right) out.append(pad, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::vector<std::string> titles, rules;
  for (size_t c = 0; c < columns_.size(); ++c) {
    titles.push_back(columns_[c].title);
    rules.push_back(std::string(widths[c], '-'));
  }
  std::string out = line(titles) + line(rules);
  for (const auto& row : rows_) out += line(row);
  return out;
}

}  // namespace di
