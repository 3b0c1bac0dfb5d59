"""The synth-time policy rules, copied from constructs/shared_sms by tools/build_function_assets.py."""
