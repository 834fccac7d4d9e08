"""表态发言助手 (biaotai): section library -> composed speech -> Word document."""
