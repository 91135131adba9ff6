"""An upload's bytes are let go once it is parsed (issue 15, item 6): Streamlit's memory
manager keeps the file's record without them, and the ``UploadedFile`` lets go of its
buffer."""

from __future__ import annotations

import sys

from streamlit.proto.Common_pb2 import FileURLs
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

from ui.state import release_upload


def _upload(manager: object, data: bytes) -> UploadedFile:
    rec = UploadedFileRec("f1", "leads.csv", "text/csv", data)
    if isinstance(manager, MemoryUploadedFileManager):
        manager.add_file("s1", rec)
    return UploadedFile(rec, FileURLs())


def test_release_upload_keeps_the_record_without_its_bytes():
    manager = MemoryUploadedFileManager("/upload")
    release_upload(_upload(manager, b"lead_id\nL1\n"), manager=manager, session_id="s1")
    kept = manager.get_files("s1", ["f1"])[0]
    assert (kept.file_id, kept.name, kept.type, kept.data) == ("f1", "leads.csv", "text/csv",
                                                               b"")


def test_release_upload_drops_every_reference_to_the_bytes():
    data = b"lead_id\n" + b"L1\n" * 1_000
    manager = MemoryUploadedFileManager("/upload")
    file = _upload(manager, data)
    held = sys.getrefcount(data)
    release_upload(file, manager=manager, session_id="s1")
    assert (held - sys.getrefcount(data), file.closed) == (2, True)  # the record, the buffer


def test_release_upload_leaves_another_kind_of_manager_alone():
    file = _upload(object(), b"lead_id\nL1\n")
    release_upload(file, manager=object(), session_id="s1")
    assert (file.closed, file.getvalue()) == (False, b"lead_id\nL1\n")
