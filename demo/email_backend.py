"""The email backend of `make run`: one console line per email, the full message in a file.

Django's console backend prints every MIME part of every email, which buries the server's own
output. Here each message is written to SENT_EMAILS_DIR (``sent-emails/``, git-ignored) as an
``.eml`` file any mail program opens, and the console gets who, what and where the file is.
"""

import os
import sys
import threading
from itertools import count
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

_numbers = count(1)
_lock = threading.Lock()


class OneLineEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(settings.SENT_EMAILS_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            with _lock:
                number = next(_numbers)
            path = folder / f"{timezone.now():%Y%m%d-%H%M%S}-{os.getpid()}-{number:04d}.eml"  # web and worker alike
            path.write_bytes(message.message().as_bytes(linesep="\n"))
            recipients = ", ".join(message.recipients())
            sys.stdout.write(f"Email to {recipients}: {message.subject} ({path})\n")
            sys.stdout.flush()
            sent += 1
        return sent
