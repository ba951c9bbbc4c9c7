"""Browser journeys: headless Debian chromium driving a live frontdesk server (marked `browser`)."""
