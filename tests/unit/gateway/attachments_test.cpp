// Inbound attachments (channel-behaviour §4.7, field report 15): which files are fetched, how
// they are classified, and exactly what the model and the history see of them.
#include "gateway/attachments.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "util/utf8.hpp"

namespace mmclaw::gateway {
namespace {

using namespace std::string_view_literals;

// The start of a 1x1 PNG (the signature and the IHDR chunk): enough for the signature checks.
constexpr std::string_view kPng1x1 =
    "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"sv;

InboundFile text_file(std::string name, std::string content, std::string mime = "text/plain") {
  InboundFile f;
  f.id = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
  f.name = std::move(name);
  f.mime_type = std::move(mime);
  f.size = static_cast<std::int64_t>(content.size());
  f.kind = AttachmentKind::text;
  f.available = true;
  f.content = std::move(content);
  return f;
}

InboundFile image_file(std::string name = "cat.png", std::int64_t size = 12 * 1024) {
  InboundFile f;
  f.id = "bbbbbbbbbbbbbbbbbbbbbbbbbb";
  f.name = std::move(name);
  f.mime_type = "image/png";
  f.size = size;
  f.kind = AttachmentKind::image;
  f.available = true;
  f.content = std::string(kPng1x1);
  return f;
}

InboundFile unavailable(std::string name) {
  InboundFile f;
  f.id = "cccccccccccccccccccccccccc";
  f.name = std::move(name);
  return f;
}

// --- ids ---------------------------------------------------------------------------------------------

TEST(Attachments, OnlyMattermostIdsAreSafe) {
  EXPECT_TRUE(is_safe_file_id("abcdefghijklmnopqrstuvwxyz"));
  EXPECT_TRUE(is_safe_file_id("0123456789abcdef0123456789"));
  const std::string_view bads[] = {"",
                                   "abc",
                                   "../users/me",
                                   "%2e%2e/aaaaaaaaaaaaaaaaaaaaa",
                                   "..\\xaaaaaaaaaaaaaaaaaaaaaaa",
                                   ".%0a.aaaaaaaaaaaaaaaaaaaaaa",
                                   "%",
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                   "abcdefghijklmnopqrstuvwxy",
                                   "abcdefghijklmnopqrstuvwxyz0",
                                   "abcdefghijklm/opqrstuvwxyz",
                                   "abcdefghijklm opqrstuvwxyz",
                                   std::string_view("abcdefghijklm\0opqrstuvwxyz", 26)};
  for (const std::string_view bad : bads) EXPECT_FALSE(is_safe_file_id(bad)) << bad;
}

// --- classification ----------------------------------------------------------------------------------

struct ClassCase {
  const char* name;
  const char* mime;
  AttachmentKind kind;
};

class Classification : public ::testing::TestWithParam<ClassCase> {};

TEST_P(Classification, ByExtensionAndMimeType) {
  EXPECT_EQ(classify_attachment(GetParam().name, GetParam().mime), GetParam().kind)
      << GetParam().name << " " << GetParam().mime;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Classification,
    ::testing::Values(
        // Documents and data.
        ClassCase{"notes.txt", "text/plain; charset=utf-8", AttachmentKind::text},
        ClassCase{"README.md", "text/markdown; charset=utf-8", AttachmentKind::text},
        ClassCase{"README.MD", "", AttachmentKind::text},
        ClassCase{"guide.markdown", "", AttachmentKind::text},
        ClassCase{"data.csv", "text/csv", AttachmentKind::text},
        ClassCase{"data.tsv", "", AttachmentKind::text},
        ClassCase{"data.json", "application/json", AttachmentKind::text},
        ClassCase{"a.yaml", "", AttachmentKind::text}, ClassCase{"a.yml", "", AttachmentKind::text},
        ClassCase{"a.xml", "text/xml; charset=utf-8", AttachmentKind::text},
        ClassCase{"page.html", "text/html", AttachmentKind::text},
        ClassCase{"app.log", "", AttachmentKind::text}, ClassCase{"conf.ini", "", AttachmentKind::text},
        ClassCase{"Cargo.toml", "", AttachmentKind::text},
        // Source code, whatever type the server guessed.
        ClassCase{"main.c", "", AttachmentKind::text}, ClassCase{"main.h", "", AttachmentKind::text},
        ClassCase{"main.cpp", "application/octet-stream", AttachmentKind::text},
        ClassCase{"main.hpp", "", AttachmentKind::text}, ClassCase{"main.cc", "", AttachmentKind::text},
        ClassCase{"main.py", "text/x-python", AttachmentKind::text},
        ClassCase{"main.js", "text/javascript; charset=utf-8", AttachmentKind::text},
        ClassCase{"main.ts", "video/mp2t", AttachmentKind::text},
        ClassCase{"main.go", "", AttachmentKind::text},
        ClassCase{"main.rs", "application/rls-services+xml", AttachmentKind::text},
        ClassCase{"Main.java", "", AttachmentKind::text}, ClassCase{"main.rb", "", AttachmentKind::text},
        ClassCase{"run.sh", "application/x-sh", AttachmentKind::text},
        ClassCase{"q.sql", "", AttachmentKind::text}, ClassCase{"dir/sub/Makefile", "", AttachmentKind::text},
        ClassCase{"Dockerfile", "", AttachmentKind::text},
        // Text by the mime type alone.
        ClassCase{"noextension", "text/plain", AttachmentKind::text},
        ClassCase{"x.weird", "application/json", AttachmentKind::text},
        ClassCase{"x.weird", "application/ld+json", AttachmentKind::text},
        ClassCase{"x.weird", "TEXT/Plain; charset=utf-8", AttachmentKind::text},
        // Images: the four types models take.
        ClassCase{"cat.png", "image/png", AttachmentKind::image},
        ClassCase{"cat.jpg", "image/jpeg", AttachmentKind::image},
        ClassCase{"cat.jpeg", "image/jpg", AttachmentKind::image},
        ClassCase{"cat.gif", "image/gif", AttachmentKind::image},
        ClassCase{"cat.webp", "image/webp", AttachmentKind::image},
        ClassCase{"cat", "IMAGE/PNG", AttachmentKind::image}, ClassCase{"cat.png", "", AttachmentKind::image},
        ClassCase{"cat.JPG", "application/octet-stream", AttachmentKind::image},
        // Other files.
        ClassCase{"drawing.svg", "image/svg+xml", AttachmentKind::other},
        ClassCase{"photo.bmp", "image/bmp", AttachmentKind::other},
        ClassCase{"photo.heic", "image/heic", AttachmentKind::other},
        ClassCase{"report.pdf", "application/pdf", AttachmentKind::other},
        ClassCase{"archive.zip", "application/zip", AttachmentKind::other},
        ClassCase{"song.mp3", "audio/mpeg", AttachmentKind::other},
        ClassCase{"blob", "application/octet-stream", AttachmentKind::other},
        ClassCase{"", "", AttachmentKind::other}, ClassCase{"trailingdot.", "", AttachmentKind::other},
        ClassCase{"cat.png", "application/pdf", AttachmentKind::other}));

TEST(Attachments, MimeTypesAreComparedBare) {
  EXPECT_EQ(bare_mime_type(" Text/Markdown ; charset=utf-8"), "text/markdown");
  EXPECT_EQ(bare_mime_type(""), "");
  EXPECT_EQ(file_extension("a/b.c/Notes.MD"), "md");
  EXPECT_EQ(file_extension("archive.tar.gz"), "gz");
  EXPECT_EQ(file_extension("Makefile"), "");
  EXPECT_EQ(image_mime_type("cat.png", "image/jpg"), "image/jpeg");
  EXPECT_EQ(image_mime_type("cat.webp", ""), "image/webp");
  EXPECT_EQ(image_mime_type("cat.bmp", "image/bmp"), "");
}

TEST(Attachments, ImagesAreRecognisedByTheirBytes) {
  EXPECT_EQ(sniff_image_mime_type(kPng1x1), "image/png");
  EXPECT_EQ(sniff_image_mime_type("\xFF\xD8\xFF\xE0rest"), "image/jpeg");
  EXPECT_EQ(sniff_image_mime_type("GIF89a..."), "image/gif");
  EXPECT_EQ(sniff_image_mime_type("GIF87a..."), "image/gif");
  EXPECT_EQ(sniff_image_mime_type("RIFF\x10\x00\x00\x00WEBPVP8 "sv), "image/webp");
  EXPECT_EQ(sniff_image_mime_type("RIFF\x10\x00\x00\x00WAVE"sv), "");
  EXPECT_EQ(sniff_image_mime_type("not an image"), "");
  EXPECT_EQ(sniff_image_mime_type(""), "");
}

TEST(Attachments, MediaMaxMbIsMebibytesWithAnEightMebibyteDefault) {
  EXPECT_EQ(media_max_bytes(std::nullopt), 8388608);
  EXPECT_EQ(media_max_bytes(0.0), 8388608);
  EXPECT_EQ(media_max_bytes(-1.0), 8388608);
  EXPECT_EQ(media_max_bytes(std::numeric_limits<double>::quiet_NaN()), 8388608);
  EXPECT_EQ(media_max_bytes(1.0), 1048576);
  EXPECT_EQ(media_max_bytes(0.001), 1048);
  EXPECT_EQ(media_max_bytes(1e-9), 1) << "never 0";
  EXPECT_EQ(media_max_bytes(std::numeric_limits<double>::infinity()), 8388608);
}

// --- the §4.7 notice and placeholders ------------------------------------------------------------

TEST(Attachments, TheUnavailableNoticeIsExactlyTheReferences) {
  EXPECT_EQ(unavailable_notice(0, {"a.txt"}), "");
  EXPECT_EQ(unavailable_notice(1, {}), "[mattermost attachment unavailable]");
  EXPECT_EQ(unavailable_notice(1, {""}), "[mattermost attachment unavailable]");
  EXPECT_EQ(unavailable_notice(3, {}), "[mattermost 3 attachments unavailable]");
  EXPECT_EQ(unavailable_notice(1, {"big.md"}), "[mattermost attachment unavailable] \"big.md\"");
  EXPECT_EQ(unavailable_notice(2, {"a.txt", "b.png"}),
            "[mattermost 2 attachments unavailable] \"a.txt, b.png\"");
  EXPECT_EQ(unavailable_notice(3, {"a.txt", "", "c.pdf"}),
            "[mattermost 3 attachments unavailable] \"a.txt, c.pdf\"")
      << "unknown names are counted, not listed";
}

TEST(Attachments, TheNoticesNamesAreSanitisedAndJsonQuoted) {
  EXPECT_EQ(unavailable_notice(1, {"evil\"name\\.txt"}),
            R"([mattermost attachment unavailable] "evil\"name\\.txt")");
  EXPECT_EQ(unavailable_notice(1, {"line\nbreak\r\x01\x1b[31m.txt"}),
            "[mattermost attachment unavailable] \"line break [31m.txt\"");
  EXPECT_EQ(unavailable_notice(1, {"r\xE2\x80\xAEtxt.exe"}),
            "[mattermost attachment unavailable] \"rtxt.exe\"")
      << "bidi overrides are removed";
  EXPECT_EQ(unavailable_notice(1, {"caf\xC3\xA9\xFF.txt"}),
            "[mattermost attachment unavailable] \"caf\xC3\xA9\xEF\xBF\xBD.txt\"")
      << "invalid UTF-8 is replaced";
}

TEST(Attachments, TheNoticesNameListIsAtMost512Characters) {
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back(std::string(30, static_cast<char>('a' + i % 26)) + ".txt");
  const std::string notice = unavailable_notice(names.size(), names);
  const std::string prefix = "[mattermost 40 attachments unavailable] \"";
  ASSERT_TRUE(notice.starts_with(prefix)) << notice;
  ASSERT_TRUE(notice.ends_with("\xE2\x80\xA6\"")) << "cut lists end with an ellipsis";
  const std::string list = notice.substr(prefix.size(), notice.size() - prefix.size() - 1);
  std::size_t chars = 0;
  for (const char c : list) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  EXPECT_EQ(chars, 512u);

  // Multi-byte names are counted in characters and never cut inside one.
  std::string cjk;
  for (int i = 0; i < 600; ++i) cjk += "\xE6\x96\x87";
  const std::string cut = unavailable_notice(1, {cjk});
  EXPECT_EQ(util::find_invalid_utf8(cut), std::string::npos);
  EXPECT_EQ(cut.size(), std::string("[mattermost attachment unavailable] \"\"").size() + 511 * 3 + 3);
}

TEST(Attachments, HistoryPlaceholders) {
  EXPECT_EQ(media_placeholder(0), "");
  EXPECT_EQ(media_placeholder(1), "<media:attachment>");
  EXPECT_EQ(media_placeholder(2), "<media:attachment> (2 attachments)");
  EXPECT_EQ(media_placeholder(11), "<media:attachment> (11 attachments)");
}

TEST(Attachments, SizesAndPlaceholders) {
  EXPECT_EQ(human_size(-5), "0 B");
  EXPECT_EQ(human_size(0), "0 B");
  EXPECT_EQ(human_size(1023), "1023 B");
  EXPECT_EQ(human_size(1024), "1 KB");
  EXPECT_EQ(human_size(12 * 1024 - 100), "12 KB");
  EXPECT_EQ(human_size(1024 * 1024), "1.0 MB");
  EXPECT_EQ(human_size(1536 * 1024), "1.5 MB");

  EXPECT_EQ(file_placeholder(image_file()), "[image: cat.png (image/png, 12 KB)]");
  InboundFile pdf;
  pdf.name = "report.pdf";
  pdf.mime_type = "application/pdf";
  pdf.size = 1258291;
  EXPECT_EQ(file_placeholder(pdf), "[file: report.pdf (application/pdf, 1.2 MB)]");
  InboundFile nameless;
  EXPECT_EQ(file_placeholder(nameless), "[file: attachment (unknown type, 0 B)]");
  EXPECT_EQ(display_file_name("  a\tb\n\nc  "), "a b c");
  EXPECT_EQ(display_file_name(std::string(300, 'x')).size(), 200u);
}

// --- what the model sees -------------------------------------------------------------------------------

TEST(Attachments, NothingForAPostWithoutFiles) {
  EXPECT_EQ(media_text_for_model(InboundMedia{}, true), "");
  EXPECT_TRUE(media_images(InboundMedia{}).empty());
}

TEST(Attachments, ATextFileIsInlinedNamedAndFenced) {
  InboundMedia media;
  media.files.push_back(text_file("notes.md", "# Plan\n\nShip it.\n", "text/markdown; charset=utf-8"));
  EXPECT_EQ(media_text_for_model(media, false),
            "[file: notes.md (text/markdown, 17 B)]\n```md\n# Plan\n\nShip it.\n```");
  EXPECT_EQ(media_text_for_model(media, true), media_text_for_model(media, false));
  EXPECT_TRUE(media_images(media).empty());
}

TEST(Attachments, TheFenceIsLongerThanAnyBacktickRunInTheText) {
  InboundMedia media;
  media.files.push_back(text_file("readme.txt", "see:\n```sh\nmake\n```\nand ````this````", "text/plain"));
  EXPECT_EQ(media_text_for_model(media, false),
            "[file: readme.txt (text/plain, 36 B)]\n`````\nsee:\n```sh\nmake\n```\nand ````this````\n`````");
}

TEST(Attachments, TextIsMadeValidUtf8AndLosesItsByteOrderMark) {
  InboundMedia media;
  media.files.push_back(text_file("a.txt", "\xEF\xBB\xBFok \xC3\x28 \xFF end"));
  const std::string text = media_text_for_model(media, false);
  EXPECT_EQ(util::find_invalid_utf8(text), std::string::npos);
  EXPECT_NE(text.find("\n```\nok \xEF\xBF\xBD( \xEF\xBF\xBD end\n```"), std::string::npos) << text;
}

TEST(Attachments, BinaryContentUnderATextNameIsNotShown) {
  InboundMedia media;
  media.files.push_back(text_file("dump.txt", std::string("\x01\x00\x02\x00", 4)));
  EXPECT_EQ(media_text_for_model(media, false),
            "[file: dump.txt (text/plain, 4 B)]\n[The file's content is not text; it is not shown.]");
}

TEST(Attachments, ALongTextFileIsCutAtACharacterBoundaryAndSaysSo) {
  MediaTextLimits limits;
  limits.per_file_bytes = 9;
  limits.total_bytes = 100;
  InboundMedia media;
  // "é" is two bytes: a cut at 9 bytes would split the fifth one.
  std::string accented;
  for (int i = 0; i < 8; ++i) accented += "\xC3\xA9";
  media.files.push_back(text_file("e.txt", accented));
  const std::string text = media_text_for_model(media, false, limits);
  EXPECT_EQ(text,
            "[file: e.txt (text/plain, 16 B)]\n```\n\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\n```\n"
            "[e.txt was cut: the first 8 B of 16 B are shown.]");

  media.files[0] = text_file("a.txt", std::string(11, 'a'));
  EXPECT_EQ(util::find_invalid_utf8(media_text_for_model(media, false, limits)), std::string::npos);
  limits.per_file_bytes = 9;
  media.files[0] = text_file("a.txt", "abc\xE6\x96\x87\xE6\x96\x87");  // 3 + 6 bytes: fits exactly
  EXPECT_EQ(media_text_for_model(media, false, limits).find("was cut"), std::string::npos);
  limits.per_file_bytes = 8;
  EXPECT_NE(media_text_for_model(media, false, limits)
                .find("\nabc\xE6\x96\x87\n```\n[a.txt was cut: the first 6 B of 9 B"),
            std::string::npos);
}

TEST(Attachments, TheTotalTextIsBoundedAcrossFiles) {
  MediaTextLimits limits;
  limits.per_file_bytes = 8;
  limits.total_bytes = 12;
  InboundMedia media;
  media.files.push_back(text_file("1.txt", "11111111"));
  media.files.push_back(text_file("2.txt", "22222222"));
  media.files.push_back(text_file("3.txt", "33333333"));
  EXPECT_EQ(
      media_text_for_model(media, false, limits),
      "[file: 1.txt (text/plain, 8 B)]\n```\n11111111\n```\n\n"
      "[file: 2.txt (text/plain, 8 B)]\n```\n2222\n```\n[2.txt was cut: the first 4 B of 8 B are shown.]\n\n"
      "[file: 3.txt (text/plain, 8 B)]\n[Not shown: the attachments' text limit was reached.]");
}

TEST(Attachments, TheDefaultLimitsBoundAHugeFile) {
  InboundMedia media;
  media.files.push_back(text_file("big.log", std::string(200 * 1024, 'x')));
  media.files.push_back(text_file("big2.log", std::string(200 * 1024, 'y')));
  media.files.push_back(text_file("big3.log", std::string(200 * 1024, 'z')));
  const std::string text = media_text_for_model(media, false);
  const MediaTextLimits defaults;
  EXPECT_LE(text.size(), defaults.total_bytes + 1024);
  EXPECT_NE(text.find("[big.log was cut: the first 32 KB of 200 KB are shown.]"), std::string::npos);
  EXPECT_NE(
      text.find(
          "[file: big3.log (text/plain, 200 KB)]\n[Not shown: the attachments' text limit was reached.]"),
      std::string::npos);
}

TEST(Attachments, AnImageIsImageInputForAModelThatTakesImagesElseANamedPlaceholder) {
  InboundMedia media;
  media.files.push_back(image_file());
  EXPECT_EQ(media_text_for_model(media, false), "[image: cat.png (image/png, 12 KB)]");
  EXPECT_EQ(media_text_for_model(media, true), "[image: cat.png (image/png, 12 KB), attached]");
  const auto images = media_images(media);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].mime_type, "image/png");
  EXPECT_EQ(images[0].data, kPng1x1);
}

TEST(Attachments, OtherFilesAreNamedAndUnavailableOnesGetTheNoticeFirst) {
  InboundMedia media;
  InboundFile pdf;
  pdf.name = "report.pdf";
  pdf.mime_type = "application/pdf";
  pdf.size = 2048;
  pdf.available = true;
  media.files.push_back(text_file("a.txt", "hello"));
  media.files.push_back(unavailable("huge.md"));
  media.files.push_back(pdf);
  media.files.push_back(image_file());
  media.files.push_back(unavailable(""));  // an unsafe id: no name
  EXPECT_EQ(media_text_for_model(media, false),
            "[mattermost 2 attachments unavailable] \"huge.md\"\n\n"
            "[file: a.txt (text/plain, 5 B)]\n```\nhello\n```\n\n"
            "[file: report.pdf (application/pdf, 2 KB)]\n\n"
            "[image: cat.png (image/png, 12 KB)]");
  EXPECT_EQ(media_images(media).size(), 1u);

  InboundMedia one;
  one.files.push_back(unavailable("big.png"));
  EXPECT_EQ(media_text_for_model(one, true), "[mattermost attachment unavailable] \"big.png\"");
  EXPECT_TRUE(media_images(one).empty()) << "an unavailable image is never sent";
}

TEST(Attachments, OnlyAvailableImagesWithBytesAreImageInput) {
  InboundMedia media;
  auto no_bytes = image_file("empty.png");
  no_bytes.content.clear();
  media.files.push_back(no_bytes);
  auto jpg = image_file("photo.jpg");
  jpg.mime_type = "image/jpg";
  media.files.push_back(jpg);
  auto text = text_file("a.txt", "x");
  media.files.push_back(text);
  const auto images = media_images(media);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].mime_type, "image/jpeg");
}

}  // namespace
}  // namespace mmclaw::gateway
