"""Forms by area. Every message a form shows is the portal's own, in the user's language."""
