#pragma once
// Inbound attachments (channel-behaviour §4.7) as data, and what the model sees of them. Pure:
// the downloads happen in app/account_media.cpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/model_types.hpp"

namespace mmclaw::gateway {

enum class AttachmentKind { text, image, other };

struct InboundFile {
  std::string id;
  std::string name;       // as the uploader named it ("" when unknown)
  std::string mime_type;  // from the file info ("" when unknown)
  std::int64_t size = 0;
  AttachmentKind kind = AttachmentKind::other;
  bool available = false;  // downloaded within the limits
  std::string content;     // the bytes, for available text files and images
};

struct InboundMedia {
  std::vector<InboundFile> files;
};

// The text appended to the turn's body for the model: text files inline (named, fenced), images
// as image input when the model takes images (else a named placeholder), other files as named
// placeholders, and the §4.7 notice for files that could not be fetched.
std::string media_text_for_model(const InboundMedia& media, bool model_takes_images);

// The available images, for a model that takes images.
std::vector<agent::ImagePart> media_images(const InboundMedia& media);

// --- limits --------------------------------------------------------------------------------------

// Files of one post that are fetched; the rest count as unavailable (no request is made for them).
inline constexpr std::size_t kMaxFilesPerPost = 10;
// The inbound size limit when mediaMaxMb is unset: 8 MiB.
inline constexpr std::int64_t kDefaultMediaMaxBytes = 8LL * 1024 * 1024;
// The §4.7 notice lists at most this many characters of file names.
inline constexpr std::size_t kMaxNoticeNamesChars = 512;

// How much of the text files reaches the model, in bytes of UTF-8 (cut at a character boundary).
// About 8k and 16k tokens: a pasted document fits, a log dump does not crowd out the conversation.
struct MediaTextLimits {
  std::size_t per_file_bytes = 32 * 1024;
  std::size_t total_bytes = 64 * 1024;
};

// mediaMaxMb (MiB, fractions allowed) in bytes; kDefaultMediaMaxBytes when unset, not positive or
// not finite. At least 1 byte.
std::int64_t media_max_bytes(std::optional<double> media_max_mb) noexcept;

// --- classification ------------------------------------------------------------------------------

// A Mattermost id: exactly 26 characters of [a-z0-9]. Anything else (`../users/me`, `%2e%2e`, an
// upper-case or short id) is never put in a request path: the file becomes an "unknown"
// unavailable entry.
bool is_safe_file_id(std::string_view id) noexcept;

// The mime type without parameters, lower-case, trimmed ("Text/Plain; charset=utf-8" ->
// "text/plain").
std::string bare_mime_type(std::string_view mime_type);

// The lower-case extension of a file name without the dot ("" when there is none).
std::string file_extension(std::string_view name);

// image: the mime type is image/png, image/jpeg (or image/jpg), image/gif or image/webp, or it is
// empty or application/octet-stream and the extension is png, jpg, jpeg, gif or webp.
// text: a text extension (documents, data and common source code: see the .cpp), a well-known
// extensionless name (Makefile, Dockerfile, README, ...), or a text mime type (text/*,
// application/json and the application/*+json, +xml, yaml, javascript, sql, shell types).
// A text extension wins over a non-text mime type, since servers guess mime types from the
// extension and guess badly for source code (.ts is video/mp2t, .rs application/rls-services+xml).
// other: everything else.
AttachmentKind classify_attachment(std::string_view name, std::string_view mime_type);

// The image mime type a model is told: the file's (bare, image/jpg spelled image/jpeg) when it is
// one of the four, else the one its extension says; "" when neither is an image type.
std::string image_mime_type(std::string_view name, std::string_view mime_type);

// The image type the bytes really are, from their signature (PNG, JPEG, GIF87a/89a, WebP), or "".
// A file named .png whose bytes are something else is not sent as an image: a model server
// refuses the whole request for one undecodable image.
std::string sniff_image_mime_type(std::string_view bytes);

// --- what the model and the history see ----------------------------------------------------------

// A file name fit to show: control characters removed, whitespace runs made one space, trimmed,
// invalid UTF-8 replaced, at most 200 characters.
std::string display_file_name(std::string_view name);

// "512 B", "12 KB", "1.5 MB" (binary units, KB rounded up).
std::string human_size(std::int64_t bytes);

// "[image: cat.png (image/png, 12 KB)]", "[file: report.pdf (application/pdf, 1.2 MB)]"; an
// unknown name reads "attachment", an unknown type "unknown type".
std::string file_placeholder(const InboundFile& file);

// §4.7: "[mattermost attachment unavailable]" or "[mattermost N attachments unavailable]"
// (nothing when count is 0), followed after a space by the JSON-quoted file names (sanitised:
// control characters removed; the non-empty names joined with ", "; at most
// kMaxNoticeNamesChars characters, the last one "…" when cut) when there are any.
std::string unavailable_notice(std::size_t count, const std::vector<std::string>& names);

// The history and pending-message placeholder of a post with `count` files (§4.7):
// "<media:attachment>", "<media:attachment> (N attachments)", "" for none.
std::string media_placeholder(std::size_t count);

// media_text_for_model with explicit text limits (tests use small ones).
std::string media_text_for_model(const InboundMedia& media, bool model_takes_images,
                                 const MediaTextLimits& limits);

}  // namespace mmclaw::gateway
