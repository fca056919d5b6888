"""Bounds on what one visitor can do: rate limits, the password-guess throttle, and visitors' text shown as text."""
