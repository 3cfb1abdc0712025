"""The project config the validate/plan suites start from: two accounts in two time zones.

``test_bad_input`` edits it line by line (its lines are numbered in order), so a change here
moves the line numbers those cases expect.
"""

CONFIG = """\
version: 1
accounts:
  brand-us:
    refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_US
    timezone: America/New_York
  brand-uk:
    refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_UK
    timezone: Europe/London
defaults:
  privacy: SELF_ONLY
"""
