"""Digital Steppe: an agent-based model of the digital economy of Xilingol League."""

__version__ = "0.1.0"
