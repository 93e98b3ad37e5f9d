// Errors at the HTTP edge: the status from the catalogue, the public text in the body, the
// internal text (a database's own words) only in the log with the request id, Retry-After on 503.
#include "http/errors.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace keyward {
namespace {

// Captures what spdlog's default logger writes while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

bool HasHeader(const HttpResponse& res, std::string_view line) {
  return res.headers.find(line) != std::string::npos;
}

TEST(ErrorResponse, EngineTextReachesTheLogButNeverTheBody) {
  constexpr std::string_view kEngine = "sqlite: insert: database or disk is full";
  LogCapture log;
  const Error full = Error::Unavailable(
      std::string(kEngine), "The store is full; writes are refused until space is freed.");
  const HttpResponse res = ErrorResponse(full, "req_123");
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(res.body.find("database or disk is full"), std::string::npos) << res.body;
  EXPECT_EQ(res.body.find("sqlite"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("The store is full; writes are refused until space is freed."),
            std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find("\"code\":\"UNAVAILABLE\""), std::string::npos);
  EXPECT_TRUE(HasHeader(res, "Retry-After: 1\r\n")) << res.headers;
  EXPECT_EQ(res.headers.find("disk"), std::string::npos);
  const std::string logged = log.text();
  EXPECT_NE(logged.find("req_123"), std::string::npos) << logged;
  EXPECT_NE(logged.find("database or disk is full"), std::string::npos) << logged;
}

TEST(ErrorResponse, InternalErrorsAnswerTheCatalogueSentenceWhateverTheyCarry) {
  LogCapture log;
  const Error bug(ErrorCode::kInternalError, "PostgreSQL: relation \"tokens\" does not exist");
  const HttpResponse res = ErrorResponse(bug, "req_9");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body.find("relation"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(Describe(ErrorCode::kInternalError).message), std::string::npos);
  EXPECT_FALSE(HasHeader(res, "Retry-After"));
  // The log keeps the text, its quotes escaped for the JSON-lines format.
  EXPECT_NE(log.text().find("relation \\\"tokens\\\" does not exist"), std::string::npos)
      << log.text();
}

TEST(ErrorResponse, ClientErrorsAreNotLoggedAndKeepTheirText) {
  LogCapture log;
  const HttpResponse res = ErrorResponse(InvalidRequest("name is required.", "name"), "req_1");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("name is required."), std::string::npos);
  EXPECT_NE(res.body.find("\"param\":\"name\""), std::string::npos);
  EXPECT_FALSE(HasHeader(res, "Retry-After"));
  EXPECT_TRUE(log.text().empty()) << log.text();
}

TEST(ErrorResponse, EveryUnavailableCarriesRetryAfter) {
  LogCapture log;
  const HttpResponse plain = ErrorResponse(Error(ErrorCode::kUnavailable), "r");
  EXPECT_EQ(plain.status, 503);
  EXPECT_TRUE(HasHeader(plain, "Retry-After: "));
  const HttpResponse unauthorized = ErrorResponse(Error(ErrorCode::kUnauthorized), "r", true);
  EXPECT_FALSE(HasHeader(unauthorized, "Retry-After"));
  EXPECT_TRUE(HasHeader(unauthorized, "WWW-Authenticate: Bearer realm=\"keyward\"\r\n"));
}

TEST(LogSafeText, EscapesQuotesAndControlsAndCuts) {
  EXPECT_EQ(LogSafeText("a\"b\\c\nd"), "a\\\"b\\\\c d");
  EXPECT_EQ(LogSafeText("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace keyward
