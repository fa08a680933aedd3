print("cadenza")
