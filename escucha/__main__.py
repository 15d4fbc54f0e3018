from escucha.cli import app

app(prog_name="escucha")
