"""The HTML report of a plan folder: page, map pieces (outlines, labels) and charts."""
