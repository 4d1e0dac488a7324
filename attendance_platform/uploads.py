"""Uploads past the largest size the site takes are never kept whole.

Django streams an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file and sets
no limit on its size (DATA_UPLOAD_MAX_MEMORY_SIZE counts form fields, not files), so a 50 GB
upload would fill the disk before any form could look at it. This handler writes a file as
Django's does until it passes IMPORT_MAX_UPLOAD_BYTES, then deletes what it wrote and only
counts the rest. The view gets an empty stand-in of the real size, which the import service
refuses by that size with a message naming the file, its size and the limit. A reverse proxy
in front should refuse such requests before they reach the app (SECURITY.md).
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class OversizedUpload(UploadedFile):
    """An upload past the limit: its name and size, and none of its content."""

    def __init__(self, *, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, charset)


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.oversized = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if not self.oversized and start + len(raw_data) > settings.IMPORT_MAX_UPLOAD_BYTES:
            self.oversized = True
            self.file.close()  # a temporary file: closing it deletes it
        if not self.oversized:
            self.file.write(raw_data)

    def file_complete(self, file_size: int) -> UploadedFile:
        if self.oversized:
            return OversizedUpload(
                name=self.file_name,
                content_type=self.content_type,
                size=file_size,
                charset=self.charset,
            )
        return super().file_complete(file_size)
