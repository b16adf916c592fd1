"""Pages: the blueprints people click, and what only they use. The top layer: pages may import
the services, the wikis and the infrastructure below them; nothing below imports a page."""
