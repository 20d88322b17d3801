"""Visitors: the kiosk's ticket-issuing API and the ticket's public status."""
