// Placeholder: `mmclaw message` against mmsim.
