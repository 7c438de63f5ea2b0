# Makes the fixture available to these tests before tests/conftest.py lists the plugin; harmless after.
from .fixtures import slack_emulator  # noqa: F401
