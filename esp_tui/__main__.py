from esp_tui.cli import entry

entry()
