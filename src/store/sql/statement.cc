#include "store/sql/statement.h"

namespace keyward::sql {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// $N → ?N outside string literals and quoted identifiers ('...', "...").
std::string WithQuestionMarks(std::string_view text) {
  std::string out(text);
  char quote = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '$' && i + 1 < out.size() && IsDigit(out[i + 1])) {
      out[i] = '?';
    }
  }
  return out;
}

}  // namespace

Statement::Statement(std::string_view dollar_text)
    : text_(dollar_text), question_text_(WithQuestionMarks(dollar_text)) {}

}  // namespace keyward::sql
