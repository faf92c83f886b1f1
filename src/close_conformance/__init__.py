"""close-conformance: does this server (or SDK) behave the way the Close docs say?"""

__version__ = "0.1.0"
