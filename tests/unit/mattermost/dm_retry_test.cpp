// DM channel creation retry: the classifier, the delay formula and per-call overrides
// (mattermost/dm_retry, channel-behaviour §5.2).
#include "mattermost/dm_retry.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <string>
#include <string_view>
#include <vector>

#include "mattermost/api_error.hpp"

namespace mmclaw::mattermost {
namespace {

using std::chrono::milliseconds;

DmFailure with_text(std::string text) {
  DmFailure f;
  f.messages.push_back(std::move(text));
  return f;
}

// --- Statuses from the server ----------------------------------------------------------------------

struct StatusCase {
  int status;
  bool retry;
};

class DmRetryStatus : public ::testing::TestWithParam<StatusCase> {};

TEST_P(DmRetryStatus, DecidesByStatusAlone) {
  DmFailure f;
  f.status = GetParam().status;
  EXPECT_EQ(dm_retryable(f), GetParam().retry) << GetParam().status;
  // The status decides even when a text or the transport would say otherwise.
  f.messages = {"request timeout: socket hang up"};
  f.code = "ECONNRESET";
  f.name = "TimeoutError";
  EXPECT_EQ(dm_retryable(f), GetParam().retry) << GetParam().status << " with network words";
}

INSTANTIATE_TEST_SUITE_P(Statuses, DmRetryStatus,
                         ::testing::Values(StatusCase{500, true}, StatusCase{502, true},
                                           StatusCase{503, true}, StatusCase{504, true},
                                           StatusCase{429, true}, StatusCase{400, false},
                                           StatusCase{401, false}, StatusCase{403, false},
                                           StatusCase{404, false}, StatusCase{408, false},
                                           StatusCase{409, false}, StatusCase{422, false}));

// --- Texts (one error, no status field) ------------------------------------------------------------

struct TextCase {
  std::string_view text;
  bool retry;
};

class DmRetryText : public ::testing::TestWithParam<TextCase> {};

TEST_P(DmRetryText, DecidesByText) {
  EXPECT_EQ(dm_retryable(with_text(std::string(GetParam().text))), GetParam().retry) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Texts, DmRetryText,
    ::testing::Values(
        // A status written by the REST client.
        TextCase{"Mattermost API 503 Service Unavailable", true},
        TextCase{"Mattermost API 500 Internal Server Error: db down", true},
        TextCase{"mattermost api 502", true}, TextCase{"Mattermost API 504: upstream", true},
        TextCase{"Mattermost API 429 Too Many Requests: slow down", true},
        TextCase{"Mattermost API 429", true},
        // Another 4xx: never, whatever the body says.
        TextCase{"Mattermost API 403: request timeout", false},
        TextCase{"Mattermost API 400: error 429 in body", false},
        TextCase{"Mattermost API 404 Not Found: connection aborted", false},
        TextCase{"Mattermost API 401 Unauthorized: ECONNRESET", false},
        TextCase{"Mattermost API 422: socket hang up", false},
        // Not a status: digits glued to a word, fewer than 3 digits, out of range.
        TextCase{"Mattermost API 5031 weird", false}, TextCase{"Mattermost API 50x", false},
        TextCase{"Mattermost API 999 odd", false}, TextCase{"HTTP 503 from proxy", false},
        TextCase{"error 503", false},
        // Rate limiting by words.
        TextCase{"Too Many Requests", true}, TextCase{"server said: too many requests", true},
        // Ports are never statuses.
        TextCase{"connect ECONNREFUSED 127.0.0.1:5003", true},
        TextCase{"https://mm.example.com:443/api/v4 failed", false},
        TextCase{"https://mm.example.com:443/api/v4 failed: socket hang up", true},
        TextCase{"POST http://127.0.0.1:5003/api/v4/channels/direct failed", false},
        TextCase{"POST http://10.0.0.1:429/api/v4/channels/direct failed", false},
        TextCase{"POST http://10.0.0.1:503/x failed", false},
        // Network snippets, any case.
        TextCase{"fetch failed: getaddrinfo ENOTFOUND host", true}, TextCase{"Network Error", true},
        TextCase{"request timeout", true}, TextCase{"operation Timed Out", true},
        TextCase{"This operation was aborted", true}, TextCase{"connect: Connection refused", true},
        TextCase{"read ECONNRESET", true}, TextCase{"connect ETIMEDOUT 10.0.0.1:443", true},
        TextCase{"socket hang up", true},
        // Codes written in a text, as whole words.
        TextCase{"getaddrinfo EAI_AGAIN mm.example.com", true}, TextCase{"write EPIPE", true},
        TextCase{"connect EHOSTUNREACH 10.1.1.1:8065", true}, TextCase{"ENETUNREACH", true},
        TextCase{"UND_ERR_SOCKET: other side closed", true},
        TextCase{"undici UND_ERR_DNS_RESOLVE_FAILED", true}, TextCase{"code=UND_ERR_CONNECT", true},
        TextCase{"EPIPELINE broken", false}, TextCase{"the epipeline failed", false},
        // Nothing transient.
        TextCase{"", false}, TextCase{"invalid user id", false},
        TextCase{"Mattermost API request failed: certificate verify failed", false}));

TEST(DmRetryText, PortIsNotReadAsStatus) {
  // 5003 after a colon would be a 5xx if numbers were read anywhere; the decision comes from
  // ECONNREFUSED, and with the network word gone nothing is left to retry.
  EXPECT_TRUE(dm_retryable(with_text("connect ECONNREFUSED 127.0.0.1:5003")));
  EXPECT_FALSE(dm_retryable(with_text("connect to 127.0.0.1:5003 refused by policy")));
  EXPECT_FALSE(status_from_error_text("connect ECONNREFUSED 127.0.0.1:5003").has_value());
  // A port 403 does not block a retry either.
  EXPECT_TRUE(dm_retryable(with_text("http://127.0.0.1:403/api/v4 socket hang up")));
}

// --- Codes and names -------------------------------------------------------------------------------

class DmRetryCode : public ::testing::TestWithParam<std::string_view> {};

TEST_P(DmRetryCode, RetriesNetworkCode) {
  DmFailure f;
  f.code = std::string(GetParam());
  f.messages = {"fetch failed"};
  EXPECT_TRUE(dm_retryable(f)) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Codes, DmRetryCode,
                         ::testing::Values("ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "ESOCKETTIMEDOUT",
                                           "ECONNABORTED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH",
                                           "ENETUNREACH", "EPIPE", "UND_ERR_CONNECT_TIMEOUT",
                                           "UND_ERR_DNS_RESOLVE_FAILED", "UND_ERR_CONNECT", "UND_ERR_SOCKET",
                                           "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "econnreset"));

class DmRetryName : public ::testing::TestWithParam<std::string_view> {};

TEST_P(DmRetryName, RetriesTimeoutName) {
  DmFailure f;
  f.name = std::string(GetParam());
  EXPECT_TRUE(dm_retryable(f)) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Names, DmRetryName,
                         ::testing::Values("AbortError", "TimeoutError", "ConnectTimeoutError",
                                           "HeadersTimeoutError", "BodyTimeoutError", "aborterror"));

TEST(DmRetryCodeName, OthersAreNotRetried) {
  DmFailure f;
  f.code = "ERR_INVALID_URL";
  f.name = "TypeError";
  f.messages = {"Invalid URL"};
  EXPECT_FALSE(dm_retryable(f));
  f.code = "EACCES";
  f.name = "Error";
  EXPECT_FALSE(dm_retryable(f));
  EXPECT_FALSE(dm_retryable(DmFailure{}));
}

TEST(DmRetryCodeName, A4xxInTheTextWinsOverCodeAndName) {
  DmFailure f;
  f.messages = {"Mattermost API 400 Bad Request: invalid user ids"};
  f.code = "ECONNRESET";
  f.name = "TimeoutError";
  f.transport_transient = true;
  EXPECT_FALSE(dm_retryable(f));
}

// --- Cause chains ----------------------------------------------------------------------------------

struct ChainCase {
  std::vector<std::string> messages;
  bool retry;
};

class DmRetryChain : public ::testing::TestWithParam<ChainCase> {};

TEST_P(DmRetryChain, LooksAtEveryCause) {
  DmFailure f;
  f.messages = GetParam().messages;
  std::string joined;
  for (const auto& m : f.messages) joined += "[" + m + "]";
  EXPECT_EQ(dm_retryable(f), GetParam().retry) << joined;
}

INSTANTIATE_TEST_SUITE_P(
    Chains, DmRetryChain,
    ::testing::Values(ChainCase{{"Failed to create DM channel", "Mattermost API 502 Bad Gateway"}, true},
                      ChainCase{{"Failed to create DM channel", "Mattermost API 404 Not Found"}, false},
                      // A 4xx deeper in the chain wins over network words in the outer text.
                      ChainCase{{"DM creation timed out", "Mattermost API 404 Not Found"}, false},
                      ChainCase{{"DM creation failed", "Mattermost API 403: abort"}, false},
                      // A retry status anywhere wins over a 4xx elsewhere.
                      ChainCase{{"Mattermost API 404 Not Found", "Mattermost API 503"}, true},
                      ChainCase{{"Failed to create DM channel", "wrapped", "read ECONNRESET"}, true},
                      ChainCase{{"Failed to create DM channel", "Too many requests"}, true},
                      ChainCase{{"Failed to create DM channel", "https://mm.example.com:443/api/v4"}, false},
                      ChainCase{{}, false}));

// --- From a REST client error ----------------------------------------------------------------------

ApiError api_error(ErrorKind kind, int status, std::string message) {
  ApiError e;
  e.error = Error{kind, status, std::move(message)};
  return e;
}

TEST(DmRetryApiError, StatusDecides) {
  EXPECT_TRUE(
      dm_retryable(api_error(ErrorKind::transient, 503, "Mattermost API 503 Service Unavailable: x")));
  EXPECT_TRUE(
      dm_retryable(api_error(ErrorKind::rate_limited, 429, "Mattermost API 429 Too Many Requests: x")));
  EXPECT_FALSE(dm_retryable(api_error(ErrorKind::permanent, 403, "Mattermost API 403 Forbidden: timeout")));
  EXPECT_FALSE(dm_retryable(api_error(ErrorKind::auth, 401, "Mattermost API 401 Unauthorized: x")));
  EXPECT_FALSE(dm_retryable(api_error(ErrorKind::not_found, 404, "Mattermost API 404 Not Found: x")));
  // 408 is transient for other calls but is a 4xx: DM creation does not retry it.
  EXPECT_FALSE(dm_retryable(api_error(ErrorKind::transient, 408, "Mattermost API 408 Request Timeout: x")));
}

TEST(DmRetryApiError, NoResponseGoesByKindThenText) {
  EXPECT_TRUE(
      dm_retryable(api_error(ErrorKind::transient, 0, "Mattermost API request failed: stream truncated")));
  EXPECT_TRUE(dm_retryable(api_error(ErrorKind::rate_limited, 0, "paused")));
  EXPECT_TRUE(
      dm_retryable(api_error(ErrorKind::permanent, 0, "Mattermost API request failed: socket hang up")));
  EXPECT_FALSE(dm_retryable(
      api_error(ErrorKind::permanent, 0, "Mattermost API request failed: certificate verify failed")));
  EXPECT_FALSE(dm_retryable(api_error(ErrorKind::invalid_input, 0, "bad url: timeout")));
  EXPECT_FALSE(dm_retryable(api_error(ErrorKind::auth, 0, "no token")));
  EXPECT_FALSE(dm_retryable(api_error(ErrorKind::not_found, 0, "no such user")));
  // The port in a transport message is not a status.
  EXPECT_TRUE(dm_retryable(
      api_error(ErrorKind::transient, 0, "Mattermost API request failed: connect 127.0.0.1:5003 refused")));
}

// --- Delay formula ---------------------------------------------------------------------------------

struct DelayCase {
  int retry;
  double unit_random;
  long long want_ms;
};

class DmRetryDelayDefaults : public ::testing::TestWithParam<DelayCase> {};

TEST_P(DmRetryDelayDefaults, Formula) {
  const config::DmChannelRetry settings;  // 1000 / 10000
  EXPECT_EQ(dm_retry_delay(GetParam().retry, settings, GetParam().unit_random),
            milliseconds(GetParam().want_ms))
      << "k=" << GetParam().retry << " u=" << GetParam().unit_random;
}

INSTANTIATE_TEST_SUITE_P(
    Defaults, DmRetryDelayDefaults,
    ::testing::Values(DelayCase{1, 0.0, 1000}, DelayCase{1, 0.999, 1999}, DelayCase{2, 0.0, 2000},
                      DelayCase{2, 0.999, 3998}, DelayCase{3, 0.0, 4000}, DelayCase{3, 0.999, 7996},
                      DelayCase{4, 0.0, 8000}, DelayCase{4, 0.999, 10000},  // 15992 capped
                      DelayCase{4, 0.25, 10000}, DelayCase{4, 0.2, 9600}, DelayCase{5, 0.0, 10000},
                      DelayCase{5, 0.999, 10000}, DelayCase{6, 0.0, 10000}, DelayCase{6, 0.999, 10000},
                      DelayCase{1, 0.5, 1500}));

TEST(DmRetryDelay, UncappedDoublingWithFullJitter) {
  config::DmChannelRetry s;
  s.initial_delay_ms = 1000;
  s.max_delay_ms = 1'000'000;
  const long long base[] = {1000, 2000, 4000, 8000, 16000, 32000};
  for (int k = 1; k <= 6; ++k) {
    const long long b = base[k - 1];
    EXPECT_EQ(dm_retry_delay(k, s, 0.0), milliseconds(b)) << k;
    EXPECT_EQ(dm_retry_delay(k, s, 0.999), milliseconds(b + b * 999 / 1000)) << k;
    EXPECT_LT(dm_retry_delay(k, s, 0.999999), milliseconds(2 * b)) << k;
  }
}

TEST(DmRetryDelay, InitialAboveMaxStartsAtMax) {
  config::DmChannelRetry s;
  s.initial_delay_ms = 5000;
  s.max_delay_ms = 2000;
  for (int k = 1; k <= 6; ++k) {
    EXPECT_EQ(dm_retry_delay(k, s, 0.0), milliseconds(2000)) << k;
    EXPECT_EQ(dm_retry_delay(k, s, 0.999), milliseconds(2000)) << k;
  }
}

TEST(DmRetryDelay, HugeRetryIsCappedWithoutOverflow) {
  config::DmChannelRetry s;
  EXPECT_EQ(dm_retry_delay(64, s, 0.0), milliseconds(10000));
  EXPECT_EQ(dm_retry_delay(1000, s, 0.999), milliseconds(10000));
  EXPECT_EQ(dm_retry_delay(INT_MAX, s, 0.5), milliseconds(10000));
  s.initial_delay_ms = 1;
  s.max_delay_ms = INT_MAX;
  EXPECT_EQ(dm_retry_delay(INT_MAX, s, 0.999), milliseconds(INT_MAX));
  EXPECT_EQ(dm_retry_delay(31, s, 0.0), milliseconds(1LL << 30));
  EXPECT_EQ(dm_retry_delay(32, s, 0.0), milliseconds(INT_MAX));
}

TEST(DmRetryDelay, EdgeInputs) {
  config::DmChannelRetry s;
  // A retry below 1 counts as the first.
  EXPECT_EQ(dm_retry_delay(0, s, 0.0), milliseconds(1000));
  EXPECT_EQ(dm_retry_delay(-5, s, 0.0), milliseconds(1000));
  // unit_random outside [0, 1) is clamped into it.
  EXPECT_EQ(dm_retry_delay(1, s, -1.0), milliseconds(1000));
  EXPECT_EQ(dm_retry_delay(1, s, 1.0), milliseconds(1999));
  EXPECT_EQ(dm_retry_delay(1, s, 7.0), milliseconds(1999));
  // Zero or negative delays give no wait (and never loop on a zero base).
  s.initial_delay_ms = 0;
  EXPECT_EQ(dm_retry_delay(INT_MAX, s, 0.9), milliseconds(0));
  s.initial_delay_ms = -10;
  EXPECT_EQ(dm_retry_delay(3, s, 0.9), milliseconds(0));
  s.initial_delay_ms = 1000;
  s.max_delay_ms = 0;
  EXPECT_EQ(dm_retry_delay(3, s, 0.9), milliseconds(0));
}

// --- Attempts and overrides ------------------------------------------------------------------------

TEST(DmRetryAttempts, RetriesPlusOne) {
  config::DmChannelRetry s;
  EXPECT_EQ(dm_attempts(s), 4);
  s.max_retries = 0;
  EXPECT_EQ(dm_attempts(s), 1);
  s.max_retries = -3;
  EXPECT_EQ(dm_attempts(s), 1);
  s.max_retries = INT_MAX;
  EXPECT_EQ(dm_attempts(s), INT_MAX);
}

TEST(DmRetryMerge, NoOverridesKeepsBase) {
  config::DmChannelRetry base;
  base.max_retries = 5;
  base.initial_delay_ms = 200;
  base.max_delay_ms = 3000;
  base.timeout_ms = 7000;
  EXPECT_EQ(merge(base, DmRetryOverrides{}), base);
}

TEST(DmRetryMerge, FieldByField) {
  const config::DmChannelRetry base;  // 3 / 1000 / 10000 / 30000
  {
    DmRetryOverrides o;
    o.max_retries = 0;
    const auto m = merge(base, o);
    EXPECT_EQ(m.max_retries, 0);
    EXPECT_EQ(m.initial_delay_ms, 1000);
    EXPECT_EQ(m.max_delay_ms, 10000);
    EXPECT_EQ(m.timeout_ms, 30000);
  }
  {
    DmRetryOverrides o;
    o.initial_delay_ms = 50;
    const auto m = merge(base, o);
    EXPECT_EQ(m.max_retries, 3);
    EXPECT_EQ(m.initial_delay_ms, 50);
    EXPECT_EQ(m.max_delay_ms, 10000);
    EXPECT_EQ(m.timeout_ms, 30000);
  }
  {
    DmRetryOverrides o;
    o.max_delay_ms = 500;
    const auto m = merge(base, o);
    EXPECT_EQ(m.max_retries, 3);
    EXPECT_EQ(m.initial_delay_ms, 1000);
    EXPECT_EQ(m.max_delay_ms, 500);
    EXPECT_EQ(m.timeout_ms, 30000);
  }
  {
    DmRetryOverrides o;
    o.timeout_ms = 1234;
    const auto m = merge(base, o);
    EXPECT_EQ(m.max_retries, 3);
    EXPECT_EQ(m.initial_delay_ms, 1000);
    EXPECT_EQ(m.max_delay_ms, 10000);
    EXPECT_EQ(m.timeout_ms, 1234);
  }
  {
    DmRetryOverrides o;
    o.max_retries = 1;
    o.initial_delay_ms = 10;
    o.max_delay_ms = 20;
    o.timeout_ms = 30;
    const auto m = merge(base, o);
    EXPECT_EQ(m.max_retries, 1);
    EXPECT_EQ(m.initial_delay_ms, 10);
    EXPECT_EQ(m.max_delay_ms, 20);
    EXPECT_EQ(m.timeout_ms, 30);
  }
}

}  // namespace
}  // namespace mmclaw::mattermost
