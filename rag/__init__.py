"""rag: offline, cited question answering and summaries over a folder of articles."""

__version__ = "0.1.0"
