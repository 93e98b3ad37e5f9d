// One SQL statement, written once for every engine with PostgreSQL's numbered placeholders ($1,
// $2, ...). The same text with SQLite's ?1, ?2, ... is derived once, when the statement is made, so
// that no engine rewrites SQL on a request. Values never travel inside the text: only placeholders.
//
// Statements are long-lived values (namespace-scope constants or members of a Dialect): the
// SQLite driver caches its prepared statements by the address of the text, so a Statement must
// outlive every store that runs it. Thread-safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>

namespace keyward::sql {

class Statement {
 public:
  explicit Statement(std::string_view dollar_text);

  const std::string& text() const { return text_; }                    // $N placeholders
  const std::string& question_text() const { return question_text_; }  // ?N placeholders

 private:
  std::string text_;
  std::string question_text_;
};

}  // namespace keyward::sql
