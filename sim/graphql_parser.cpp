#include "sim/graphql_parser.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace di::sim::gql {

std::string Value::Describe() const {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return boolean ? "true" : "false";
    case Kind::kInt:
      return std::to_string(integer);
    case Kind::kFloat:
      return std::to_string(number);
    case Kind::kString:
      return "\"" + text + "\"";
    case Kind::kEnum:
      return text;
    case Kind::kList:
      return "[...]";
    case Kind::kObject:
      return "{...}";
    case Kind::kVariable:
      return "$" + text;
  }
  return "?";
}

const Value* Value::Find(const std::string& name) const {
  for (const auto& [key, value] : fields) {
    if (key == name) return &value;
  }
  return nullptr;
}

namespace {

enum class Tok { kEof, kPunct, kName, kInt, kFloat, kString, kSpread };

struct Token {
  Tok kind = Tok::kEof;
  std::string text;
  Location loc;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : src_(text) {}

  Result<Document> Run() {
    Document doc;
    DI_RETURN_IF_ERROR(Advance());
    if (tok_.kind == Tok::kEof) return Error("Unexpected <EOF>");
    while (tok_.kind != Tok::kEof) {
      Operation op;
      DI_RETURN_IF_ERROR(ParseOperation(&op));
      doc.operations.push_back(std::move(op));
    }
    return doc;
  }

 private:
  Status Error(const std::string& message) const {
    return Status(Code::kInvalidArgument, "Syntax Error: " + message + " (line " + std::to_string(tok_.loc.line) +
                                              ", column " + std::to_string(tok_.loc.column) + ")");
  }
  Status Expected(const std::string& what) const {
    std::string found = tok_.kind == Tok::kEof ? "<EOF>" : "\"" + tok_.text + "\"";
    return Error("Expected " + what + ", found " + found);
  }
  bool IsPunct(char c) const { return tok_.kind == Tok::kPunct && tok_.text[0] == c; }

  Status ExpectPunct(char c) {
    if (!IsPunct(c)) return Expected(std::string("\"") + c + "\"");
    return Advance();
  }

  Status ExpectName(std::string* out) {
    if (tok_.kind != Tok::kName) return Expected("Name");
    *out = tok_.text;
    return Advance();
  }

  void Skip() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '\r') ++pos_;
      } else if (c == '\n') {
        ++pos_;
        ++line_;
        line_start_ = pos_;
      } else if (c == ' ' || c == '\t' || c == ',' || c == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  Status Advance() {
    Skip();
    tok_.loc = {line_, static_cast<int>(pos_ - line_start_) + 1};
    tok_.text.clear();
    if (pos_ >= src_.size()) {
      tok_.kind = Tok::kEof;
      return Status::Ok();
    }
    char c = src_[pos_];
    if (c == '.') {
      if (src_.substr(pos_, 3) != "...") {
        tok_.kind = Tok::kPunct;
        tok_.text = ".";
        return Error("Unexpected \".\"");
      }
      pos_ += 3;
      tok_.kind = Tok::kSpread;
      tok_.text = "...";
      return Status::Ok();
    }
    if (std::string_view("!$&()/:=@[]{}|").find(c) != std::string_view::npos) {
      tok_.kind = Tok::kPunct;
      tok_.text = std::string(1, c);
      ++pos_;
      return Status::Ok();
    }
    if (c == '_' || std::isalpha(static_cast<unsigned char>(c))) {
      size_t start = pos_;
      while (pos_ < src_.size() && (src_[pos_] == '_' || std::isalnum(static_cast<unsigned char>(src_[pos_])))) ++pos_;
      tok_.kind = Tok::kName;
      tok_.text = std::string(src_.substr(start, pos_ - start));
      return Status::Ok();
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return LexNumber();
    if (c == '"') return LexString();
    tok_.text = std::string(1, c);
    return Error("Unexpected character \"" + tok_.text + "\"");
  }

  Status LexNumber() {
    size_t start = pos_;
    if (src_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t s = pos_;
      while (pos_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_]))) ++pos_;
      return pos_ - s;
    };
    if (digits() == 0) return Error("Invalid number");
    bool is_float = false;
    if (pos_ < src_.size() && src_[pos_] == '.') {
      ++pos_;
      is_float = true;
      if (digits() == 0) return Error("Invalid number, expected digit after \".\"");
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      ++pos_;
      is_float = true;
      if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) ++pos_;
      if (digits() == 0) return Error("Invalid number, expected digit in exponent");
    }
    if (pos_ < src_.size() && (src_[pos_] == '_' || std::isalpha(static_cast<unsigned char>(src_[pos_])))) {
      return Error("Invalid number, unexpected character after number");
    }
    tok_.kind = is_float ? Tok::kFloat : Tok::kInt;
    tok_.text = std::string(src_.substr(start, pos_ - start));
    return Status::Ok();
  }

  Status LexString() {
    if (src_.substr(pos_, 3) == "\"\"\"") {
      size_t end = src_.find("\"\"\"", pos_ + 3);
      if (end == std::string_view::npos) return Error("Unterminated string");
      tok_.kind = Tok::kString;
      tok_.text = std::string(src_.substr(pos_ + 3, end - pos_ - 3));
      pos_ = end + 3;
      return Status::Ok();
    }
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= src_.size() || src_[pos_] == '\n' || src_[pos_] == '\r') return Error("Unterminated string");
      char c = src_[pos_++];
      if (c == '"') break;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= src_.size()) return Error("Unterminated string");
      char e = src_[pos_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          if (pos_ + 4 > src_.size()) return Error("Invalid Unicode escape sequence");
          unsigned cp = 0;
          auto r = std::from_chars(src_.data() + pos_, src_.data() + pos_ + 4, cp, 16);
          if (r.ptr != src_.data() + pos_ + 4) return Error("Invalid Unicode escape sequence");
          pos_ += 4;
          if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
          } else {
            out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
          }
          break;
        }
        default:
          return Error(std::string("Invalid character escape sequence \\") + e);
      }
    }
    tok_.kind = Tok::kString;
    tok_.text = std::move(out);
    return Status::Ok();
  }

  Status ParseOperation(Operation* op) {
    if (IsPunct('{')) {
      op->kind = "query";
      return ParseSelectionSet(&op->selection);
    }
    if (tok_.kind != Tok::kName) return Expected("\"{\"");
    if (tok_.text == "fragment") return Error("Fragments are not supported by this service");
    if (tok_.text != "query" && tok_.text != "mutation" && tok_.text != "subscription") {
      return Error("Unexpected Name \"" + tok_.text + "\"");
    }
    op->kind = tok_.text;
    DI_RETURN_IF_ERROR(Advance());
    if (tok_.kind == Tok::kName) {
      op->name = tok_.text;
      DI_RETURN_IF_ERROR(Advance());
    }
    if (IsPunct('(')) {
      DI_RETURN_IF_ERROR(Advance());
      while (!IsPunct(')')) {
        VariableDefinition def;
        DI_RETURN_IF_ERROR(ExpectPunct('$'));
        DI_RETURN_IF_ERROR(ExpectName(&def.name));
        DI_RETURN_IF_ERROR(ExpectPunct(':'));
        DI_RETURN_IF_ERROR(ParseType(&def.type));
        if (IsPunct('=')) {
          DI_RETURN_IF_ERROR(Advance());
          Value v;
          DI_RETURN_IF_ERROR(ParseValue(&v, /*constant=*/true));
          def.default_value = std::move(v);
        }
        op->variables.push_back(std::move(def));
      }
      DI_RETURN_IF_ERROR(Advance());
    }
    if (IsPunct('@')) return Error("Directives are not supported by this service");
    return ParseSelectionSet(&op->selection);
  }

  Status ParseType(std::string* out) {
    if (IsPunct('[')) {
      DI_RETURN_IF_ERROR(Advance());
      std::string inner;
      DI_RETURN_IF_ERROR(ParseType(&inner));
      DI_RETURN_IF_ERROR(ExpectPunct(']'));
      *out = "[" + inner + "]";
    } else {
      DI_RETURN_IF_ERROR(ExpectName(out));
    }
    if (IsPunct('!')) {
      out->push_back('!');
      DI_RETURN_IF_ERROR(Advance());
    }
    return Status::Ok();
  }

  Status ParseSelectionSet(std::vector<Field>* out) {
    DI_RETURN_IF_ERROR(ExpectPunct('{'));
    if (IsPunct('}')) return Expected("Name");
    while (!IsPunct('}')) {
      if (tok_.kind == Tok::kSpread) return Error("Fragments are not supported by this service");
      Field field;
      field.location = tok_.loc;
      DI_RETURN_IF_ERROR(ExpectName(&field.name));
      if (IsPunct(':')) {
        DI_RETURN_IF_ERROR(Advance());
        field.alias = std::move(field.name);
        DI_RETURN_IF_ERROR(ExpectName(&field.name));
      }
      if (IsPunct('(')) {
        DI_RETURN_IF_ERROR(Advance());
        if (IsPunct(')')) return Expected("Name");
        while (!IsPunct(')')) {
          std::string name;
          DI_RETURN_IF_ERROR(ExpectName(&name));
          DI_RETURN_IF_ERROR(ExpectPunct(':'));
          Value v;
          DI_RETURN_IF_ERROR(ParseValue(&v, /*constant=*/false));
          field.arguments.emplace_back(std::move(name), std::move(v));
        }
        DI_RETURN_IF_ERROR(Advance());
      }
      if (IsPunct('@')) return Error("Directives are not supported by this service");
      if (IsPunct('{')) DI_RETURN_IF_ERROR(ParseSelectionSet(&field.selection));
      out->push_back(std::move(field));
    }
    return Advance();
  }

  Status ParseValue(Value* v, bool constant) {
    switch (tok_.kind) {
      case Tok::kInt: {
        v->kind = Value::Kind::kInt;
        auto r = std::from_chars(tok_.text.data(), tok_.text.data() + tok_.text.size(), v->integer);
        if (r.ec != std::errc()) {
          v->kind = Value::Kind::kFloat;  // out of int64 range: keep as a number
          v->number = std::strtod(tok_.text.c_str(), nullptr);
        }
        return Advance();
      }
      case Tok::kFloat:
        v->kind = Value::Kind::kFloat;
        v->number = std::strtod(tok_.text.c_str(), nullptr);
        return Advance();
      case Tok::kString:
        v->kind = Value::Kind::kString;
        v->text = tok_.text;
        return Advance();
      case Tok::kName:
        if (tok_.text == "true" || tok_.text == "false") {
          v->kind = Value::Kind::kBool;
          v->boolean = tok_.text == "true";
        } else if (tok_.text == "null") {
          v->kind = Value::Kind::kNull;
        } else {
          v->kind = Value::Kind::kEnum;
          v->text = tok_.text;
        }
        return Advance();
      case Tok::kPunct:
        if (IsPunct('$')) {
          if (constant) return Error("Unexpected variable in a constant value");
          DI_RETURN_IF_ERROR(Advance());
          v->kind = Value::Kind::kVariable;
          return ExpectName(&v->text);
        }
        if (IsPunct('[')) {
          v->kind = Value::Kind::kList;
          DI_RETURN_IF_ERROR(Advance());
          while (!IsPunct(']')) {
            if (tok_.kind == Tok::kEof) return Expected("\"]\"");
            Value item;
            DI_RETURN_IF_ERROR(ParseValue(&item, constant));
            v->list.push_back(std::move(item));
          }
          return Advance();
        }
        if (IsPunct('{')) {
          v->kind = Value::Kind::kObject;
          DI_RETURN_IF_ERROR(Advance());
          while (!IsPunct('}')) {
            std::string name;
            DI_RETURN_IF_ERROR(ExpectName(&name));
            DI_RETURN_IF_ERROR(ExpectPunct(':'));
            Value item;
            DI_RETURN_IF_ERROR(ParseValue(&item, constant));
            v->fields.push_back({std::move(name), std::move(item)});
          }
          return Advance();
        }
        return Error("Unexpected \"" + tok_.text + "\"");
      default:
        return Expected("value");
    }
  }

  std::string_view src_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  Token tok_;
};

}  // namespace

Result<Document> Parse(std::string_view text) { return Parser(text).Run(); }

}  // namespace di::sim::gql
