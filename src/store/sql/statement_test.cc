// Statement: one text with $N placeholders, and the same with ?N for SQLite.
#include "store/sql/statement.h"

#include <gtest/gtest.h>

namespace keyward::sql {
namespace {

TEST(StatementTest, NumberedPlaceholdersBecomeQuestionMarksWithTheirNumbers) {
  Statement s("UPDATE t SET a = $2, b = $10 WHERE id = $1");
  EXPECT_EQ(s.text(), "UPDATE t SET a = $2, b = $10 WHERE id = $1");
  EXPECT_EQ(s.question_text(), "UPDATE t SET a = ?2, b = ?10 WHERE id = ?1");
}

TEST(StatementTest, DollarsInsideQuotesOrWithoutANumberStay) {
  Statement s("SELECT '$1', \"c$2\", x$ FROM t WHERE a = $3 AND b = 'it''s $4'");
  EXPECT_EQ(s.question_text(), "SELECT '$1', \"c$2\", x$ FROM t WHERE a = ?3 AND b = 'it''s $4'");
}

}  // namespace
}  // namespace keyward::sql
