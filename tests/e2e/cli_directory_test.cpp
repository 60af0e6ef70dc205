// Placeholder: `mmclaw directory` against mmsim.
