// Outbound media (app/media_files, channel-behaviour §5.4): local files only from the allowed
// directories (no `..` or symbolic link leads out), regular files within the limit, the MIME
// table, the default upload name, and the pieces of a download.
#include "app/media_files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../../support/temp_dir.hpp"

namespace mmclaw::app {
namespace {

namespace fs = std::filesystem;

class MediaFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(allowed());
    fs::create_directories(outside());
  }
  fs::path allowed() const { return dir_.path() / "allowed"; }
  fs::path outside() const { return dir_.path() / "outside"; }
  std::vector<fs::path> dirs() const { return {allowed()}; }

  test::TempDir dir_;
};

TEST_F(MediaFilesTest, AFileInsideAnAllowedDirectoryIsLoadedWhole) {
  const std::string content = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(5000, '\0') + "end";
  dir_.write("allowed/charts/q3.png", content);
  const auto media =
      load_local_media((allowed() / "charts" / "q3.png").string(), dirs(), kDefaultMediaMaxBytes);
  ASSERT_TRUE(media.has_value()) << media.error();
  EXPECT_EQ(media->name, "q3.png");
  EXPECT_EQ(media->content_type, "image/png");
  EXPECT_EQ(media->content, content);
}

TEST_F(MediaFilesTest, AFileUrlAndSurroundingBlanksNameTheSameFile) {
  dir_.write("allowed/notes one.md", "# Notes\n");
  const auto media = load_local_media("  file://" + (allowed() / "notes%20one.md").string() + " ", dirs(),
                                      kDefaultMediaMaxBytes);
  ASSERT_TRUE(media.has_value()) << media.error();
  EXPECT_EQ(media->name, "notes one.md");
  EXPECT_EQ(media->content_type, "text/markdown");
  EXPECT_EQ(media->content, "# Notes\n");
}

TEST_F(MediaFilesTest, AnyOfSeveralAllowedDirectoriesWillDo) {
  dir_.write("outside/report.pdf", "%PDF-1.7");
  const std::vector<fs::path> several{allowed(), outside().string() + "/"};
  const auto media = load_local_media((outside() / "report.pdf").string(), several, 100);
  ASSERT_TRUE(media.has_value()) << media.error();
  EXPECT_EQ(media->content_type, "application/pdf");
}

TEST_F(MediaFilesTest, NoAllowedDirectoryMeansNoLocalFileAndTheErrorNamesTheKey) {
  dir_.write("allowed/a.txt", "a");
  const auto media = load_local_media((allowed() / "a.txt").string(), {}, kDefaultMediaMaxBytes);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("mmclaw.media.allowedDirs"), std::string::npos) << media.error();
}

TEST_F(MediaFilesTest, AFileOutsideTheAllowedDirectoriesIsRefused) {
  dir_.write("outside/secret.txt", "secret");
  const auto media = load_local_media((outside() / "secret.txt").string(), dirs(), kDefaultMediaMaxBytes);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("is outside the directories files may be sent from"), std::string::npos)
      << media.error();
  EXPECT_NE(media.error().find("mmclaw.media.allowedDirs"), std::string::npos) << media.error();
}

TEST_F(MediaFilesTest, ADirectoryWhoseNameMerelyStartsLikeAnAllowedOneIsOutside) {
  dir_.write("allowed-not/x.txt", "x");
  const auto media = load_local_media((dir_.path() / "allowed-not" / "x.txt").string(), dirs(), 100);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("outside"), std::string::npos) << media.error();
}

TEST_F(MediaFilesTest, DotDotCannotLeaveAnAllowedDirectory) {
  dir_.write("outside/secret.txt", "secret");
  const std::string escape = (allowed() / ".." / "outside" / "secret.txt").string();
  const auto media = load_local_media(escape, dirs(), kDefaultMediaMaxBytes);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("outside"), std::string::npos) << media.error();
  // Staying inside after `..` is fine.
  dir_.write("allowed/ok.txt", "ok");
  fs::create_directories(allowed() / "sub");
  const auto inside = load_local_media((allowed() / "sub" / ".." / "ok.txt").string(), dirs(), 100);
  EXPECT_TRUE(inside.has_value()) << inside.error();
}

TEST_F(MediaFilesTest, ASymbolicLinkLeadingOutIsRefused) {
  const auto secret = dir_.write("outside/secret.txt", "secret");
  fs::create_symlink(secret, allowed() / "innocent.txt");
  fs::create_directory_symlink(outside(), allowed() / "door");
  auto media = load_local_media((allowed() / "innocent.txt").string(), dirs(), kDefaultMediaMaxBytes);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("leads outside the directories"), std::string::npos) << media.error();
  media = load_local_media((allowed() / "door" / "secret.txt").string(), dirs(), kDefaultMediaMaxBytes);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("leads outside the directories"), std::string::npos) << media.error();
}

TEST_F(MediaFilesTest, ASymbolicLinkThatStaysInsideIsFollowedAndKeepsItsOwnName) {
  const auto real = dir_.write("allowed/data/2024-report.csv", "a,b\n1,2\n");
  fs::create_symlink(real, allowed() / "latest.csv");
  const auto media = load_local_media((allowed() / "latest.csv").string(), dirs(), 100);
  ASSERT_TRUE(media.has_value()) << media.error();
  EXPECT_EQ(media->name, "latest.csv");
  EXPECT_EQ(media->content_type, "text/csv");
  EXPECT_EQ(media->content, "a,b\n1,2\n");
}

TEST_F(MediaFilesTest, AnAllowedDirectoryReachedThroughASymbolicLinkWorksBothWays) {
  dir_.write("outside/shared/plan.txt", "plan");
  fs::create_directory_symlink(outside() / "shared", dir_.path() / "shared-link");
  const std::vector<fs::path> linked{dir_.path() / "shared-link"};
  auto media = load_local_media((dir_.path() / "shared-link" / "plan.txt").string(), linked, 100);
  ASSERT_TRUE(media.has_value()) << media.error();
  media = load_local_media((outside() / "shared" / "plan.txt").string(), linked, 100);
  EXPECT_TRUE(media.has_value()) << media.error();
}

TEST_F(MediaFilesTest, OnlyRegularFilesAreSent) {
  fs::create_directories(allowed() / "folder");
  auto media = load_local_media((allowed() / "folder").string(), dirs(), kDefaultMediaMaxBytes);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("is not a regular file"), std::string::npos) << media.error();
  const auto fifo = allowed() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  media = load_local_media(fifo.string(), dirs(), kDefaultMediaMaxBytes);  // never blocks
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("is not a regular file"), std::string::npos) << media.error();
  // The allowed directory itself is not inside itself.
  media = load_local_media(allowed().string(), dirs(), kDefaultMediaMaxBytes);
  EXPECT_FALSE(media.has_value());
}

TEST_F(MediaFilesTest, AMissingFileOrARelativePathIsAnError) {
  auto media = load_local_media((allowed() / "nope.txt").string(), dirs(), kDefaultMediaMaxBytes);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("cannot open"), std::string::npos) << media.error();
  media = load_local_media("nope.txt", dirs(), kDefaultMediaMaxBytes);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("is not absolute"), std::string::npos) << media.error();
  media = load_local_media("file://otherhost/etc/passwd", dirs(), kDefaultMediaMaxBytes);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("is not a local file path"), std::string::npos) << media.error();
}

TEST_F(MediaFilesTest, AFileOverTheLimitIsRefusedAndOneAtTheLimitIsSent) {
  dir_.write("allowed/big.bin", std::string(1025, 'x'));
  dir_.write("allowed/exact.bin", std::string(1024, 'x'));
  const auto big = load_local_media((allowed() / "big.bin").string(), dirs(), 1024);
  ASSERT_FALSE(big.has_value());
  EXPECT_NE(big.error().find("is too large: 1 KiB (1025 bytes)"), std::string::npos) << big.error();
  EXPECT_NE(big.error().find("mediaMaxMb"), std::string::npos) << big.error();
  const auto exact = load_local_media((allowed() / "exact.bin").string(), dirs(), 1024);
  ASSERT_TRUE(exact.has_value()) << exact.error();
  EXPECT_EQ(exact->content.size(), 1024u);
  EXPECT_EQ(exact->content_type, "application/octet-stream");
}

TEST(MediaFiles, TheLimitIsMediaMaxMbInMibElseEightMib) {
  EXPECT_EQ(media_max_bytes(std::nullopt), 8u * 1024 * 1024);
  EXPECT_EQ(media_max_bytes(1.0), 1024u * 1024);
  EXPECT_EQ(media_max_bytes(0.5), 512u * 1024);
  EXPECT_EQ(media_max_bytes(20), 20u * 1024 * 1024);
  EXPECT_EQ(media_max_bytes(0.0), kDefaultMediaMaxBytes) << "the schema refuses it; never 0 here";
  EXPECT_EQ(media_max_bytes(1e-9), 1u);
}

TEST(MediaFiles, HttpUrlsAreDownloadsAndEverythingElseIsLocal) {
  EXPECT_TRUE(is_http_url("https://example.com/a.png"));
  EXPECT_TRUE(is_http_url(" HTTP://example.com/a.png"));
  EXPECT_FALSE(is_http_url("/srv/files/a.png"));
  EXPECT_FALSE(is_http_url("file:///srv/files/a.png"));
  EXPECT_FALSE(is_http_url("ftp://example.com/a.png"));
}

TEST(MediaFiles, TheMimeTable) {
  EXPECT_EQ(mime_type_for_name("a.png"), "image/png");
  EXPECT_EQ(mime_type_for_name("a.JPG"), "image/jpeg");
  EXPECT_EQ(mime_type_for_name("a.jpeg"), "image/jpeg");
  EXPECT_EQ(mime_type_for_name("a.gif"), "image/gif");
  EXPECT_EQ(mime_type_for_name("a.webp"), "image/webp");
  EXPECT_EQ(mime_type_for_name("/x/y/report.pdf"), "application/pdf");
  EXPECT_EQ(mime_type_for_name("notes.txt"), "text/plain");
  EXPECT_EQ(mime_type_for_name("README.md"), "text/markdown");
  EXPECT_EQ(mime_type_for_name("data.csv"), "text/csv");
  EXPECT_EQ(mime_type_for_name("data.json"), "application/json");
  EXPECT_EQ(mime_type_for_name("bundle.zip"), "application/zip");
  EXPECT_EQ(mime_type_for_name("archive.tar.gz"), "application/gzip");
  EXPECT_EQ(mime_type_for_name("program.exe"), "application/octet-stream");
  EXPECT_EQ(mime_type_for_name("Makefile"), "application/octet-stream");
  EXPECT_EQ(mime_type_for_name(".bashrc"), "application/octet-stream");
  EXPECT_EQ(mime_type_for_name("dir.png/file"), "application/octet-stream");

  EXPECT_EQ(extension_for_mime_type("image/jpeg"), "jpg");
  EXPECT_EQ(extension_for_mime_type("IMAGE/PNG"), "png");
  EXPECT_EQ(extension_for_mime_type("text/plain; charset=utf-8"), "txt");
  EXPECT_EQ(extension_for_mime_type("application/x-unknown"), "bin");
}

TEST(MediaFiles, TheDefaultNameIsUploadWithTheTypesExtension) {
  EXPECT_EQ(upload_file_name("chart.png", "image/png"), "chart.png");
  EXPECT_EQ(upload_file_name("", "image/png"), "upload.png");
  EXPECT_EQ(upload_file_name("  ", "application/pdf"), "upload.pdf");
  EXPECT_EQ(upload_file_name("..", "text/plain"), "upload.txt");
  EXPECT_EQ(upload_file_name("", "application/x-whatever"), "upload.bin");
  EXPECT_EQ(upload_file_name("a/b\\c.txt", "text/plain"), "c.txt") << "never a directory part";
}

TEST(MediaFiles, ADownloadIsNamedAfterItsUrlAndTypedByItsHeader) {
  auto media = media_from_download("https://cdn.example.com/img/Q3%20chart.png?size=large#top", "image/png",
                                   "PNGDATA", 100);
  ASSERT_TRUE(media.has_value()) << media.error();
  EXPECT_EQ(media->name, "Q3 chart.png");
  EXPECT_EQ(media->content_type, "image/png");
  EXPECT_EQ(media->content, "PNGDATA");

  media = media_from_download("https://example.com/", "image/jpeg; charset=binary", "JPG", 100);
  ASSERT_TRUE(media.has_value());
  EXPECT_EQ(media->name, "upload.jpg");
  EXPECT_EQ(media->content_type, "image/jpeg");

  media =
      media_from_download("https://example.com/files/report.pdf", "application/octet-stream", "%PDF", 100);
  ASSERT_TRUE(media.has_value());
  EXPECT_EQ(media->content_type, "application/pdf") << "a generic type gives way to the name's";

  media = media_from_download("https://example.com", "", "?", 100);
  ASSERT_TRUE(media.has_value());
  EXPECT_EQ(media->name, "upload.bin");
  EXPECT_EQ(media->content_type, "application/octet-stream");

  media = media_from_download("https://example.com/big.zip", "application/zip", std::string(101, 'z'), 100);
  ASSERT_FALSE(media.has_value());
  EXPECT_NE(media.error().find("too large"), std::string::npos) << media.error();
}

TEST(MediaFiles, SizesAreDescribedForPeople) {
  EXPECT_EQ(describe_size(1), "1 byte");
  EXPECT_EQ(describe_size(12), "12 bytes");
  EXPECT_EQ(describe_size(2048), "2 KiB (2048 bytes)");
  EXPECT_EQ(describe_size(8 * 1024 * 1024), "8 MiB (8388608 bytes)");
  EXPECT_EQ(describe_size(1572864), "1.5 MiB (1572864 bytes)");
}

}  // namespace
}  // namespace mmclaw::app
