"""Server-side fetching and (later) credentials: everything that talks to other applications. No views here."""
