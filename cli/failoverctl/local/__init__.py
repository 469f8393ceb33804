"""The simulated AWS as a server on 127.0.0.1, for ``sam local invoke`` (``failoverctl local``)."""
