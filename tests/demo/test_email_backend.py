"""`make run` shows one line per email sent and keeps the full message in a file."""

import email

from django.core.mail import EmailMultiAlternatives


def test_each_email_is_one_console_line_and_a_file_with_the_full_text(settings, tmp_path, capsys):
    settings.EMAIL_BACKEND = "demo.email_backend.OneLineEmailBackend"
    settings.SENT_EMAILS_DIR = tmp_path
    message = EmailMultiAlternatives("Book your planning meeting", "Hello Priya,\nplease book it.", to=["p@x.example"])
    message.attach_alternative("<p>Hello Priya,</p>", "text/html")

    assert message.send() == 1

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Email to p@x.example: Book your planning meeting (")
    [saved] = tmp_path.glob("*.eml")
    assert str(saved) in lines[0]
    parsed = email.message_from_bytes(saved.read_bytes())
    assert parsed["Subject"] == "Book your planning meeting"
    assert "please book it." in parsed.get_payload()[0].get_payload(decode=True).decode()
