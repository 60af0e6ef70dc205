#pragma once
// Text helpers with Go semantics where the wire depends on them: query parsing and form
// encoding (net/url), rune counting (unicode/utf8), strconv parsing, hashtags, @mentions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmsim {

std::string_view trim_ascii(std::string_view s) noexcept;
std::string to_lower_ascii(std::string_view s);
bool iequals_ascii(std::string_view a, std::string_view b) noexcept;
bool starts_with_icase(std::string_view s, std::string_view prefix) noexcept;

// Percent-decoding; `plus_is_space` for query strings and form bodies.
std::string url_decode(std::string_view s, bool plus_is_space);

// url.ParseQuery: "a=1&b=x+y" -> {{"a","1"},{"b","x y"}}, order kept.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
// First value of `name`, "" when absent (url.Values.Get).
std::string query_param(std::string_view query, std::string_view name);
bool has_query_param(std::string_view query, std::string_view name);

// url.QueryEscape and url.Values.Encode (keys sorted, values of a key in insertion order).
std::string query_escape(std::string_view s);
std::string encode_form(const std::vector<std::pair<std::string, std::string>>& values);

// utf8.RuneCountInString: code points, each invalid byte counting as one.
std::size_t rune_count(std::string_view s) noexcept;

// strconv.ParseBool and strconv.ParseInt(s, 10, 64) / Atoi.
std::optional<bool> parse_go_bool(std::string_view s) noexcept;
std::optional<std::int64_t> parse_go_int(std::string_view s) noexcept;

std::string base64_encode(std::string_view bytes);
std::string sha1_hex(std::string_view bytes);

// model.ParseHashtags: space-separated "#tags" of the message (at most 1000 runes).
std::string parse_hashtags(std::string_view message);

// Lower-cased words following '@' in a message ("@Alice, hi @here" -> {"alice", "here"}), with
// the characters a username may contain; trailing '.', '-' and '_' variants are tried by callers.
std::vector<std::string> at_mentions(std::string_view message);

}  // namespace mmsim
