print(open("/work/data.txt").read())
