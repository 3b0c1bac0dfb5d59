"""A local, stateful SMS Voice V2 emulator for tests (not product code)."""

from .server import SmsVoiceEmulator

__all__ = ["SmsVoiceEmulator"]
