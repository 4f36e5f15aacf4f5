"""Errors the library raises. Only the CLI turns them into a message and an exit code."""


class RagError(Exception):
    """Base class: the message says what went wrong and what to do about it."""

    exit_code = 1


class InputError(RagError):
    """The user's input (a question, a flag, a file) cannot be used."""

    exit_code = 2


class CorpusError(RagError):
    """The corpus folder is missing or holds no readable article."""

    exit_code = 3


class IndexMissingError(RagError):
    """No index has been built yet."""

    exit_code = 4


class IndexCorruptError(RagError):
    """An index file is damaged, foreign or does not match its manifest."""

    exit_code = 4


class IndexStaleError(RagError):
    """The index was built with other settings or another embedding model."""

    exit_code = 4


class IndexBusyError(RagError):
    """Another build holds the index lock."""

    exit_code = 5


class ModelError(RagError):
    """A model file is missing, tampered with or cannot be loaded."""

    exit_code = 6
