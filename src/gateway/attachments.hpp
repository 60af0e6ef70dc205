#pragma once
// Inbound attachments (channel-behaviour §4.7) as data, and what the model sees of them. Pure:
// the downloads happen in app/account_media.cpp.

#include <cstdint>
#include <string>
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

}  // namespace mmclaw::gateway
