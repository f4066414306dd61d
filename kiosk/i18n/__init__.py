"""What residents read and hear: languages, message catalog entries, furigana, voice."""
