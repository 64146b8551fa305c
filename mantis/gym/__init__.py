"""The computer: virtual display, browser, input and screen capture."""
