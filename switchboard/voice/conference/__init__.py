"""Conference rooms: the room and its mixer, the <Conference> element, and the Conference REST API."""
